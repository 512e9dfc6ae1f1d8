// uncontended lock: one goroutine locks and unlocks a mutex 10,000,000 times (peer of
// lock_uncontended.weft).
package main

import (
	"fmt"
	"sync"
)

func main() {
	var mu sync.Mutex
	count := 0
	for i := 0; i < 10000000; i++ {
		mu.Lock()
		count++
		mu.Unlock()
	}
	fmt.Println(count)
}
