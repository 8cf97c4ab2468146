package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateDir(t *testing.T) {
	path := tempPath(t)
	openAt(t, path, Options{})
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode = %o, want 700", perm)
	}
}

func TestOpenLocked(t *testing.T) {
	path := tempPath(t)
	first := openAt(t, path, Options{})
	start := time.Now()
	s, err := Open(Options{Path: path})
	if err == nil {
		_ = s.Close()
		t.Fatal("a second Open of the same file succeeded")
	}
	if !strings.Contains(err.Error(), "data dir in use by another ringd") {
		t.Errorf("second Open = %v, want it to name the other ringd", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second Open took %v", d)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openAt(t, path, Options{})
}

func TestOpenCorrupt(t *testing.T) {
	for name, data := range map[string][]byte{
		"short":   []byte("not a database\n"),
		"garbage": bytes.Repeat([]byte("ring ring ring garbage "), 3000),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ring.db")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(Options{Path: path})
			if err == nil {
				_ = s.Close()
				t.Fatal("Open of a garbage file succeeded")
			}
			if !strings.Contains(err.Error(), "corrupt") {
				t.Errorf("Open = %v, want it to say corrupt", err)
			}
		})
	}
}

// A file whose meta pages are sound but whose history pages are damaged is
// refused at Open rather than crashing a reader later.
func TestOpenDamagedPages(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	for q := uint64(1); q <= 200; q++ {
		mustAppend(t, s, seqMsg(q, 1))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int
	_ = db.View(func(tx *bolt.Tx) error {
		root, pageSize = int(tx.Bucket(bucketMsgs).Root()), db.Info().PageSize
		return nil
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if root < 2 { // 0: an inline bucket; pages 0 and 1 are the meta pages
		t.Fatalf("history root is page %d; want a bucket of its own pages", root)
	}

	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, pageSize), int64(root*pageSize)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Path: path})
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a damaged file succeeded")
	}
	if !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Open = %v, want it to say corrupt", err)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}
