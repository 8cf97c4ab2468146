// Package storebench compares, on this machine's disk, what one durable
// commit of a batch of history records costs in bbolt (the store today,
// with the store's options), in pebble (a WAL with group commit) and in a
// bare append-only file with one fdatasync: the figures that issue 15's
// choice of store rests on. It is a module of its own, so that the ring's
// module does not depend on pebble: run it with
// `cd bench/storebench && go test -run '^$' -bench . -benchtime 300x -count 3`.
package storebench

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	bolt "go.etcd.io/bbolt"
)

var sizes = []int{1, 16, 128}

// record is a stored record of a 100-byte chat message in the store's
// format 2 (about 170 bytes).
func record(seq uint64) []byte {
	b := make([]byte, 170)
	binary.BigEndian.PutUint64(b, seq)
	return b
}

func key(seq uint64) []byte { var k [8]byte; binary.BigEndian.PutUint64(k[:], seq); return k[:] }

func BenchmarkBolt(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "b.db"), 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("m")); return err })
			var seq uint64
			for b.Loop() {
				err := db.Update(func(tx *bolt.Tx) error {
					bk := tx.Bucket([]byte("m"))
					bk.FillPercent = 1
					for range n {
						seq++
						if err := bk.Put(key(seq), record(seq)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
		})
	}
}

func BenchmarkPebble(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			db, err := pebble.Open(filepath.Join(b.TempDir(), "p"), &pebble.Options{Logger: quiet{}})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var seq uint64
			for b.Loop() {
				bt := db.NewBatch()
				for range n {
					seq++
					bt.Set(key(seq), record(seq), nil)
				}
				if err := bt.Commit(pebble.Sync); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
		})
	}
}

func BenchmarkAppendFile(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var seq uint64
			buf := make([]byte, 0, 256*n)
			for b.Loop() {
				buf = buf[:0]
				for range n {
					seq++
					buf = append(buf, record(seq)...)
				}
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
		})
	}
}

// quiet drops pebble's log lines, which would interleave with the figures.
type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
