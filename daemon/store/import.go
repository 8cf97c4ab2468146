package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/ringchat/ring/daemon/store/kv"
)

// importBatch bounds the keys copied in one transaction (one log batch).
const importBatch = 4096

// importLegacy copies the bbolt file of an earlier ringd (Options.Import)
// into the new store, bucket by bucket, and then renames the file so it
// is imported once; the renamed file stays for an operator who goes back
// to that version. No file is no error.
func (s *Store) importLegacy() error {
	path := s.opts.Import
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	old, err := openLegacy(path)
	if err != nil {
		return err
	}
	n, err := s.copyLegacy(path, old)
	if cerr := old.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(path, path+".imported"); err != nil {
		return fmt.Errorf("store: imported %s, but cannot rename it: %w", path, err)
	}
	s.log.Info("store: imported the history file of an earlier version", "file", path, "keys", n, "kept_as", path+".imported")
	return nil
}

// openLegacy opens a bbolt file read-only. bbolt panics on some damaged
// files; that is an error here.
func openLegacy(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, corrupt(path, fmt.Errorf("%v", r))
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, locked(path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corrupt(path, err)
	case err != nil:
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// copyLegacy copies every bucket of old into the store, in batches of
// importBatch keys, and reports how many keys it copied.
func (s *Store) copyLegacy(path string, old *bolt.DB) (n int, err error) {
	defer func() {
		if r := recover(); r != nil { // bbolt panics on damaged pages
			n, err = 0, corrupt(path, fmt.Errorf("%v", r))
		}
	}()
	err = old.View(func(otx *bolt.Tx) error {
		if v := otx.Bucket([]byte(bucketMeta)); v != nil && getU64(v.Get(keyVersion)) != 1 {
			return fmt.Errorf("store: %s has format version %d, this ringd imports 1", path, getU64(v.Get(keyVersion)))
		}
		for _, name := range buckets {
			b := otx.Bucket([]byte(name))
			if b == nil {
				continue
			}
			c := b.Cursor()
			k, v := c.First()
			for k != nil {
				err := s.db.Update(func(tx *kv.Tx) error {
					nb := tx.Bucket(name)
					for i := 0; k != nil && i < importBatch; i++ {
						if name != bucketMeta || string(k) != string(keyVersion) {
							if err := nb.Put(k, bytes.Clone(v)); err != nil { // v is bbolt's memory map
								return err
							}
							n++
						}
						k, v = c.Next()
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}
