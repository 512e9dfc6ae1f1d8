# thread-ring: 503 fibers in a ring pass a token 10,000,000 times (peer of
# threadring.weft).
ring = 503
passes = 10_000_000
links = Array.new(ring) { Channel(Int32).new(1) }
done = Channel(Int32).new(1)
ring.times do |i|
  inbox = links[i]
  nxt = links[(i + 1) % ring]
  spawn do
    while token = inbox.receive?
      if token == 0
        done.send(i + 1)
      else
        nxt.send(token - 1)
      end
    end
  end
end
links[0].send(passes)
puts done.receive
