package store

import (
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
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

// BenchmarkAppendBoltBatch is the alternative to the committer: the same
// writers through bbolt's DB.Batch. Batch runs its calls in the order they
// happen to take its lock, so it cannot keep sequence numbers contiguous;
// here it gets the easy case, each message under a key of its own with no
// check, and is still slower: it waits MaxBatchDelay (10ms) to fill a batch.
func BenchmarkAppendBoltBatch(b *testing.B) {
	s := openAt(b, tempPath(b), Options{})
	var next atomic.Uint64
	b.SetParallelism((benchWriters + 1) / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			q := next.Add(1)
			v, _ := encode(seqMsg(q, 1))
			err := s.db.Batch(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketMsgs).Put(msgKey(q, 0), v)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
