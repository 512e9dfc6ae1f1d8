// thread-ring: 503 goroutines in a ring pass a token 10,000,000 times (peer of
// threadring.weft; the Benchmarks Game program).
package main

import "fmt"

func main() {
	const ring = 503
	const passes = 10000000
	links := make([]chan int, ring)
	for i := range links {
		links[i] = make(chan int, 1)
	}
	done := make(chan int, 1)
	for i := 0; i < ring; i++ {
		go func(i int, inbox, next chan int) {
			for token := range inbox {
				if token == 0 {
					done <- i + 1
				} else {
					next <- token - 1
				}
			}
		}(i, links[i], links[(i+1)%ring])
	}
	links[0] <- passes
	fmt.Println(<-done)
}
