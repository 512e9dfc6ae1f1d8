# mpmc: 4 producers and 4 consumers share one channel of capacity 128; 10,000,000
# messages in all (peer of mpmc.weft).
producers = 4
consumers = 4
per = 10_000_000_i64 // producers
ch = Channel(Int64).new(128)
sent = Channel(Nil).new(producers)
sums = Channel(Int64).new(consumers)
producers.times do |p|
  spawn do
    per.times { |i| ch.send(p * per + i) }
    sent.send(nil)
  end
end
consumers.times do
  spawn do
    sum = 0_i64
    while v = ch.receive?
      sum += v
    end
    sums.send(sum)
  end
end
producers.times { sent.receive }
ch.close
sum = 0_i64
consumers.times { sum += sums.receive }
puts sum
