package kv

import "math"

// compact deletes the oldest segments once none holds a value the OnDisk
// bucket still needs. The other buckets' operations in them are replaced
// first by a snapshot of those buckets, written as one batch. It looks
// only when the log has started a new segment since it last did.
func (db *DB) compact() error {
	if db.wal.Current() == db.segSeen {
		return nil
	}
	db.segSeen = db.wal.Current()
	segs := db.wal.Segments()
	st := db.state.Load()
	keep := segs[len(segs)-1] // the segment appended to stays
	if db.onDisk >= 0 {
		t := st.trees[db.onDisk]
		// The common case, kept cheap: the oldest key still lies in the
		// oldest segment, so no segment can go.
		freesNothing := false
		t.AscendFrom("", func(it item) bool {
			freesNothing = uint64(it.seg) <= segs[0]
			return false
		})
		if freesNothing {
			return nil
		}
		minSeg := uint64(math.MaxUint64)
		t.AscendFrom("", func(it item) bool {
			minSeg = min(minSeg, uint64(it.seg))
			return true
		})
		keep = min(keep, minSeg)
	}
	if keep <= segs[0] {
		return nil
	}
	tx := &Tx{db: db, st: st}
	for i, t := range st.trees {
		if i == db.onDisk {
			continue
		}
		tx.ops = append(tx.ops, op{Kind: opClear, Bucket: uint8(i)})
		t.AscendFrom("", func(it item) bool {
			tx.ops = append(tx.ops, op{Kind: opPut, Bucket: uint8(i), Key: []byte(it.key), Val: it.val})
			return true
		})
	}
	if err := db.write(tx); err != nil {
		return err
	}
	if err := db.wal.RemoveBefore(keep); err != nil {
		return err // old segments stay a while longer; the log is sound
	}
	db.segSeen = db.wal.Current()
	db.log.Debug("kv: compacted the log", "removed_before_segment", keep, "ops", len(tx.ops))
	return nil
}
