# select: two producer fibers each send N/2 values on their own unbuffered channel; main
# receives all N = 1,000,000 through a select over both (peer of select.weft).
n = 1_000_000
a = Channel(Int64).new
b = Channel(Int64).new
spawn do
  i = 0_i64
  while i < n
    a.send(i)
    i += 2
  end
end
spawn do
  i = 1_i64
  while i < n
    b.send(i)
    i += 2
  end
end
sum = 0_i64
n.times do
  select
  when v = a.receive
    sum += v
  when v = b.receive
    sum += v
  end
end
puts sum
