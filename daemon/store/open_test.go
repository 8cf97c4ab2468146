package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ringchat/ring/daemon/store/seglog"
)

func TestOpenCreatesPrivateDir(t *testing.T) {
	path := tempPath(t)
	openAt(t, path, Options{})
	for _, dir := range []string{filepath.Dir(path), path} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s mode = %o, want 700", dir, perm)
		}
	}
}

func TestOpenLocked(t *testing.T) {
	path := tempPath(t)
	first := openAt(t, path, Options{})
	start := time.Now()
	s, err := Open(Options{Path: path})
	if err == nil {
		_ = s.Close()
		t.Fatal("a second Open of the same store succeeded")
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

// wantCorrupt opens the store at path and wants it refused as corrupt.
func wantCorrupt(t *testing.T, opts Options) {
	t.Helper()
	s, err := Open(opts)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a damaged store succeeded")
	}
	if !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Open = %v, want it to say corrupt", err)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}

func TestOpenCorrupt(t *testing.T) {
	for name, data := range map[string][]byte{
		"short":   []byte("not a database\n"),
		"garbage": bytes.Repeat([]byte("ring ring ring garbage "), 3000),
	} {
		t.Run(name, func(t *testing.T) {
			path := tempPath(t)
			if err := os.MkdirAll(path, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(path, "00000000000000000001.seg"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			wantCorrupt(t, Options{Path: path})
		})
	}
}

// A log whose batches are sound but whose first one was damaged later,
// with good ones after it, is refused: not a torn last write.
func TestOpenDamagedHistory(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{})
	for q := uint64(1); q <= 20; q++ {
		mustAppend(t, s, seqMsg(q, 1))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(path, "00000000000000000001.seg")
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b[40] ^= 0xff // inside the first batch
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	wantCorrupt(t, Options{Path: path})
}

// A record the log holds intact but that is no store operation is refused.
func TestOpenUnknownRecord(t *testing.T) {
	path := tempPath(t)
	l, err := seglog.Open(seglog.Options{Dir: path}, func(seglog.Pos, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append([][]byte{[]byte("not an operation")}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	wantCorrupt(t, Options{Path: path})
}

// An earlier version's file whose meta pages are sound but whose history
// pages are damaged is refused at import rather than crashing.
func TestImportDamagedFile(t *testing.T) {
	legacy := filepath.Join(t.TempDir(), "ring.db")
	db, err := bolt.Open(legacy, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket([]byte(bucketMeta))
		if err != nil {
			return err
		}
		if err := meta.Put(keyVersion, u64(1)); err != nil {
			return err
		}
		msgs, err := tx.CreateBucket([]byte(bucketMsgs))
		if err != nil {
			return err
		}
		for q := uint64(1); q <= 200; q++ {
			v, err := encode(seqMsg(q, 1))
			if err != nil {
				return err
			}
			if err := msgs.Put(msgKey(q, 0), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		root, pageSize = int(tx.Bucket([]byte(bucketMsgs)).Root()), db.Info().PageSize
		return nil
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if root < 2 { // 0: an inline bucket; pages 0 and 1 are the meta pages
		t.Fatalf("history root is page %d; want a bucket of its own pages", root)
	}
	f, err := os.OpenFile(legacy, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, pageSize), int64(root*pageSize)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantCorrupt(t, Options{Path: filepath.Join(filepath.Dir(legacy), "history"), Import: legacy})
	if _, err := os.Stat(legacy); err != nil {
		t.Fatalf("a file that failed to import must stay where it was: %v", err)
	}
}
