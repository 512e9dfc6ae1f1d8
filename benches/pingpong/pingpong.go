// ping-pong: two goroutines pass a counter over two unbuffered channels, 1,000,000
// round trips (peer of pingpong.weft).
package main

import "fmt"

func main() {
	const n = 1000000
	ping := make(chan int64)
	pong := make(chan int64)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	var v int64
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Println(v)
}
