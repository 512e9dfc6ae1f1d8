# spawn-await: 1,000,000 fibers each delivering a result on its own channel (peer).
n = 1_000_000
ps = Array(Channel(Int64)).new(n)
n.times do |i|
  c = Channel(Int64).new(1)
  ps << c
  spawn { c.send(i.to_i64 * 2) }
end
sum = 0_i64
ps.each { |c| sum += c.receive }
puts sum
