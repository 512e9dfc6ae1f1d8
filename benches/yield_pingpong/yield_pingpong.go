// yield ping-pong: 2 goroutines each yield 1,000,000 times (peer).
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	results := make([]int, 2)
	for k := 0; k < 2; k++ {
		wg.Add(1)
		go func(k int) {
			for i := 0; i < 1000000; i++ {
				runtime.Gosched()
			}
			results[k] = 1000000
			wg.Done()
		}(k)
	}
	wg.Wait()
	fmt.Println(results[0] + results[1])
}
