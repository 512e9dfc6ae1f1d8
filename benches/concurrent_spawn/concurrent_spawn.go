// concurrent_spawn peer: 1,000,000 trivial goroutines, each adding to an atomic counter,
// joined with a WaitGroup. Prints 1000000.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func main() {
	var total atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 1000000; i++ {
		wg.Add(1)
		go func() {
			total.Add(1)
			wg.Done()
		}()
	}
	wg.Wait()
	fmt.Println(total.Load())
}
