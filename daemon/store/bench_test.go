package store

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

const benchWriters = 64 // goroutines appending at once

func reportRate(b *testing.B, s *Store) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if c := s.commits.Load(); c > 0 {
		b.ReportMetric(float64(b.N)/float64(c), "msgs/commit")
	}
}

// BenchmarkAppendOne: one message an Append, one fsync each.
func BenchmarkAppendOne(b *testing.B) {
	s := openAt(b, tempPath(b), Options{})
	b.ResetTimer()
	for i := range b.N {
		if err := s.Append(seqMsg(uint64(i)+1, 1)); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, s)
}

// BenchmarkAppendGroupCommit: benchWriters goroutines each take the next
// sequence number, queue an Append and wait for it; the committer merges
// whatever queued up during the previous fsync.
func BenchmarkAppendGroupCommit(b *testing.B) {
	s := openAt(b, tempPath(b), Options{RetainCount: 100_000})
	var mu sync.Mutex
	var next uint64
	b.SetParallelism((benchWriters + 1) / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			next++
			done := s.AppendAsync(seqMsg(next, 1))
			mu.Unlock()
			if err := <-done; err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, s)
}

// BenchmarkAppendPipelined: one sequencer keeps up to 1024 Appends in
// flight, as a node delivering a stream would.
func BenchmarkAppendPipelined(b *testing.B) {
	s := openAt(b, tempPath(b), Options{RetainCount: 100_000})
	inflight := make(chan (<-chan error), 1024)
	var wg sync.WaitGroup
	wg.Go(func() {
		for done := range inflight {
			if err := <-done; err != nil {
				b.Error(err)
			}
		}
	})
	b.ResetTimer()
	for i := range b.N {
		inflight <- s.AppendAsync(seqMsg(uint64(i)+1, 1))
	}
	close(inflight)
	wg.Wait()
	reportRate(b, s)
}

// BenchmarkHistoryMemory reports the heap the store keeps per retained
// message (the log holds the messages; memory holds each one's key and
// place in the log, kv.item).
func BenchmarkHistoryMemory(b *testing.B) {
	const msgs = 20_000
	text := strings.Repeat("x", 100)
	for b.Loop() {
		s := openAt(b, tempPath(b), Options{RetainCount: msgs})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		batch := make([]Record, 8)
		for seq := uint64(1); seq <= msgs; {
			for i := range batch {
				batch[i] = seqMsg(seq, 1)
				batch[i].Text = text
				seq++
			}
			mustAppend(b, s, batch...)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/msgs, "heapB/msg")
		_ = s.Close()
	}
}
