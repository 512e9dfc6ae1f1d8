# yield ping-pong: 2 fibers each yield 1,000,000 times (peer).
done = Channel(Int64).new(2)
2.times do
  spawn do
    1_000_000.times { Fiber.yield }
    done.send(1_000_000_i64)
  end
end
puts done.receive + done.receive
