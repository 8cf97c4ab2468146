package store

import "encoding/binary"

var (
	bucketMsgs    = "msgs"    // key(seq or lastSeq at arrival, arrival counter) → message
	bucketEpochs  = "epochs"  // u64(epoch) → u64(first seq of the epoch)
	bucketMeta    = "meta"    // history bookkeeping: format version, floor
	bucketNode    = "node"    // node id and ring state
	bucketOutbox  = "outbox"  // u64(local id) → outbox item (ring and message; codec.go)
	bucketOrigins = "origins" // origin node id → u64(highest counter sequenced)
	bucketViews   = "views"   // u64(seq of a membership message) → JSON members

	keyVersion    = []byte("version")
	keyFloorSeq   = []byte("floor_seq")   // last sequenced message not held: removed by retention, or StartAfter's seq
	keyFloorEpoch = []byte("floor_epoch") // and its epoch
	keyCommit     = []byte("commit_seq")  // the node's commit point: what it may show
	keyLamport    = []byte("lamport")     // the highest Lamport time of a message ever stored; never lowered
	keyNodeID     = []byte("id")
	keyState      = []byte("state")
)

// formatVersion 2 is the log (daemon/store/kv); 1 was the bbolt file,
// which is imported (import.go).
const formatVersion = 2

// msgKey orders the history: a sequenced message is (seq, 0), a direct
// message (last seq when it arrived, 1, 2, …), so it sorts after the
// sequenced message it followed and before the next one.
func msgKey(pos, sub uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, pos)
	binary.BigEndian.PutUint64(k[8:], sub)
	return k
}

// splitKey is the inverse of msgKey.
func splitKey(k []byte) (pos, sub uint64) {
	return binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// getU64 reads a big-endian value; a missing value is 0.
func getU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
