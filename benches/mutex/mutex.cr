# mutex contention: 4 fibers each increment a mutex-guarded counter 1,000,000 times
# (peer of mutex.weft).
workers = 4
per = 1_000_000
mu = Mutex.new
counter = 0_i64
done = Channel(Nil).new(workers)
workers.times do
  spawn do
    per.times { mu.synchronize { counter += 1 } }
    done.send(nil)
  end
end
workers.times { done.receive }
puts counter
