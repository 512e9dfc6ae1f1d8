// buffered send+recv: one goroutine sends into a channel of capacity 128 and receives
// back, 10,000,000 times (peer of chan_buffered.weft).
package main

import "fmt"

func main() {
	ch := make(chan int64, 128)
	var sum int64
	for i := int64(0); i < 10000000; i++ {
		ch <- i
		sum += <-ch
	}
	fmt.Println(sum)
}
