// spawn-await: 1,000,000 goroutines each delivering a result on its own channel,
// awaited in order (peer of spawn_await.weft).
package main

import "fmt"

func main() {
	n := 1000000
	ps := make([]chan int, n)
	for i := 0; i < n; i++ {
		c := make(chan int, 1)
		ps[i] = c
		go func(i int) { c <- i * 2 }(i)
	}
	sum := 0
	for _, c := range ps {
		sum += <-c
	}
	fmt.Println(sum)
}
