// sleep fan-out: 10,000 goroutines each sleep 100 ms (peer of sleep_fanout.weft).
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	var wg sync.WaitGroup
	var n int64
	for i := 0; i < 10000; i++ {
		wg.Add(1)
		go func() {
			time.Sleep(100 * time.Millisecond)
			atomic.AddInt64(&n, 1)
			wg.Done()
		}()
	}
	wg.Wait()
	fmt.Println(n)
}
