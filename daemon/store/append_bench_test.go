package store

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkAppendBatch appends batches of a fixed size, waiting for each
// (one transaction and fsync per batch), as the node does with the entries
// of one driver cycle: the per-message cost shows what batching saves.
// Messages carry 100 bytes of text, ringbench's default.
func BenchmarkAppendBatch(b *testing.B) {
	text := strings.Repeat("x", 100)
	for _, size := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := openAt(b, tempPath(b), Options{RetainCount: 100_000})
			batch := make([]Record, size)
			var seq uint64
			b.ReportAllocs()
			for b.Loop() {
				appendBatch(b, s, batch, &seq, text)
			}
			msgs := float64(b.N * size)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/msgs, "ns/msg")
			b.ReportMetric(msgs/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAppendAtRetention is BenchmarkAppendBatch on a history at its
// retain_count, where every batch removes as many old messages as it adds:
// a long-running node's steady state.
func BenchmarkAppendAtRetention(b *testing.B) {
	text := strings.Repeat("x", 100)
	const size, retain = 128, 10_000
	s := openAt(b, tempPath(b), Options{RetainCount: retain})
	batch := make([]Record, size)
	var seq uint64
	for seq < retain {
		appendBatch(b, s, batch, &seq, text)
	}
	b.ReportAllocs()
	for b.Loop() {
		appendBatch(b, s, batch, &seq, text)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/msg")
}

// appendBatch fills batch with the messages after *seq, carrying text, and
// appends them in one Append.
func appendBatch(b *testing.B, s *Store, batch []Record, seq *uint64, text string) {
	for i := range batch {
		*seq++
		batch[i] = seqMsg(*seq, 1)
		batch[i].Text = text
	}
	if err := s.Append(batch...); err != nil {
		b.Fatal(err)
	}
}
