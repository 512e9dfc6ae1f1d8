# buffered send+recv: one fiber sends into a channel of capacity 128 and receives back,
# 10,000,000 times (peer of chan_buffered.weft).
ch = Channel(Int64).new(128)
sum = 0_i64
10_000_000_i64.times do |i|
  ch.send(i)
  sum += ch.receive
end
puts sum
