// skynet: a 10-ary tree of 1,000,000 leaf goroutines (peer of skynet.weft).
package main

import "fmt"

func skynet(c chan int, num, size, div int) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int)
	sum := 0
	for i := 0; i < div; i++ {
		go skynet(rc, num+i*(size/div), size/div, div)
	}
	for i := 0; i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func main() {
	c := make(chan int)
	go skynet(c, 0, 1000000, 10)
	fmt.Println(<-c)
}
