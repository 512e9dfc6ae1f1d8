# sleep fan-out: 10,000 fibers each sleep 100 ms (peer of sleep_fanout.weft).
done = Channel(Int32).new(10000)
10000.times do
  spawn do
    sleep 100.milliseconds
    done.send(1)
  end
end
n = 0
10000.times { n += done.receive }
puts n
