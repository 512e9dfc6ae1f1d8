// par-mandel peer: a goroutine per row, counts added to an atomic, a WaitGroup to join.
// Prints 1588053.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func rowCount(y, n int) int64 {
	ci := -1.0 + 2.0*float64(y)/float64(n)
	var count int64
	for x := 0; x < n; x++ {
		cr := -1.5 + 2.0*float64(x)/float64(n)
		zr, zi := 0.0, 0.0
		inside := true
		for i := 0; i < 50; i++ {
			next := zr*zr - zi*zi + cr
			zi = 2.0*zr*zi + ci
			zr = next
			if zr*zr+zi*zi > 4.0 {
				inside = false
				break
			}
		}
		if inside {
			count++
		}
	}
	return count
}

func main() {
	n := 2000
	var total atomic.Int64
	var wg sync.WaitGroup
	for y := 0; y < n; y++ {
		wg.Add(1)
		go func(y int) {
			defer wg.Done()
			total.Add(rowCount(y, n))
		}(y)
	}
	wg.Wait()
	fmt.Println(total.Load())
}
