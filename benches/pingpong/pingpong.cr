# ping-pong: two fibers pass a counter over two unbuffered channels, 1,000,000 round
# trips (peer of pingpong.weft).
n = 1_000_000
ping = Channel(Int64).new
pong = Channel(Int64).new
spawn do
  while v = ping.receive?
    pong.send(v + 1)
  end
end
v = 0_i64
n.times do
  ping.send(v)
  v = pong.receive
end
ping.close
puts v
