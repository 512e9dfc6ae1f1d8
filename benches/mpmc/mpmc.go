// mpmc: 4 producers and 4 consumers share one channel of capacity 128; 10,000,000
// messages in all (peer of mpmc.weft).
package main

import (
	"fmt"
	"sync"
)

func main() {
	const producers, consumers, total = 4, 4, 10000000
	const per = total / producers
	ch := make(chan int64, 128)
	var pw sync.WaitGroup
	for p := 0; p < producers; p++ {
		pw.Add(1)
		go func(p int64) {
			for i := int64(0); i < per; i++ {
				ch <- p*per + i
			}
			pw.Done()
		}(int64(p))
	}
	sums := make(chan int64, consumers)
	for c := 0; c < consumers; c++ {
		go func() {
			var sum int64
			for v := range ch {
				sum += v
			}
			sums <- sum
		}()
	}
	pw.Wait()
	close(ch)
	var sum int64
	for c := 0; c < consumers; c++ {
		sum += <-sums
	}
	fmt.Println(sum)
}
