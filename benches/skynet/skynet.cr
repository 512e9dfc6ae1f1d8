# skynet: a 10-ary tree of 1,000,000 leaf fibers (peer of skynet.weft).
def skynet(c, num, size, div)
  if size == 1
    c.send(num)
    return
  end
  rc = Channel(Int64).new
  sum = 0_i64
  div.times do |i|
    sub = num + i * (size // div)
    spawn skynet(rc, sub, size // div, div)
  end
  div.times { sum += rc.receive }
  c.send(sum)
end

c = Channel(Int64).new
spawn skynet(c, 0_i64, 1_000_000_i64, 10_i64)
puts c.receive
