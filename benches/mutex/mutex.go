// mutex contention: 4 goroutines each increment a mutex-guarded counter 1,000,000 times
// (peer of mutex.weft).
package main

import (
	"fmt"
	"sync"
)

func main() {
	const workers, per = 4, 1000000
	var mu sync.Mutex
	var counter int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			for i := 0; i < per; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	fmt.Println(counter)
}
