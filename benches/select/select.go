// select: two producer goroutines each send N/2 values on their own unbuffered channel;
// main receives all N = 1,000,000 through a select over both (peer of select.weft).
package main

import "fmt"

func main() {
	const n = 1000000
	a := make(chan int64)
	b := make(chan int64)
	go func() {
		for i := int64(0); i < n; i += 2 {
			a <- i
		}
	}()
	go func() {
		for i := int64(1); i < n; i += 2 {
			b <- i
		}
	}()
	var sum int64
	for k := 0; k < n; k++ {
		select {
		case v := <-a:
			sum += v
		case v := <-b:
			sum += v
		}
	}
	fmt.Println(sum)
}
