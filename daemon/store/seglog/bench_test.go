package seglog

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkAppend appends batches of 170-byte records (a 100-byte chat
// message as the store encodes it), one fdatasync each: the figure to set
// beside daemon/store's BenchmarkAppendBatch, bbolt's commit of the same
// batches.
func BenchmarkAppend(b *testing.B) {
	rec := bytes.Repeat([]byte{'r'}, 170)
	for _, size := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			l, _ := openLog(b, b.TempDir(), Options{})
			batch := make([][]byte, size)
			for i := range batch {
				batch[i] = rec
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Append(batch); err != nil {
					b.Fatal(err)
				}
			}
			msgs := float64(b.N * size)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/msgs, "ns/msg")
			b.ReportMetric(msgs/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
