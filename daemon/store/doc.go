// Package store keeps a node's durable state in its data_dir (the
// directory history/, a log of segment files: daemon/store/kv over
// daemon/store/seglog): the node id, the last known ring state (epoch, membership,
// leader), every delivered entry of the ring's log and every direct message
// (each a Record) in sequence order, a table of the first sequence number of
// each epoch, a table of the highest origin counter sequenced for each
// origin node, and an outbox of this node's messages that no leader has
// sequenced yet, each under a local id with the ring it belongs to.
//
// Durability: every write (Append, TruncateAfter, Reset, Prune, StartAfter,
// SetNodeID, SaveState, OutboxPut, OutboxDelete, OutboxReplace) returns
// only after the transaction holding it has been written to the log and
// fdatasync'd (one write and one fdatasync per transaction). Writes are applied by one committer goroutine in the order they
// were submitted; writes that queue up while a commit is under way share
// the next transaction (group commit), so many small Appends cost one
// fsync. The asynchronous forms (AppendAsync, SaveStateAsync,
// OutboxPutAsync, OutboxDeleteAsync) queue the write the same way and
// return at once, with a channel that yields its result once it is
// durable; a write queued after them is applied after them. A crash keeps
// every write that returned and loses, as a whole, any transaction that
// had not finished.
//
// History layout: sequenced messages are keyed by their sequence number;
// unsequenced (direct) messages by the last sequence number at their arrival
// and an arrival counter, so both kinds read back in the order they were
// stored. Sequenced messages are contiguous: each Append continues
// LastSeq()+1. Retention by count and by age removes the oldest messages;
// the floor (the last sequenced message removed, and its epoch) remembers
// what was removed, so LastSeq and LastEpoch never go back except by
// TruncateAfter or Reset. StartAfter sets the floor of an empty history, for
// a node that joins a ring whose leader no longer holds its start.
//
// Origins table: for every origin node id, the highest origin counter
// (Record.OriginCounter) of a sequenced message ever appended, written once
// per origin per transaction. Retention does not touch it, so
// a node rebuilds its duplicate filter from it after a restart even when
// the messages are gone; TruncateAfter lowers it to what is left, Reset
// clears it.
//
// Records and outbox items are stored in a compact binary form (codec.go:
// a format byte, then a CBOR array); those written as JSON by earlier
// versions are read as they are. Earlier versions kept everything in one
// bbolt file, data_dir/ring.db: a new store imports it once and keeps it
// as ring.db.imported (import.go). Earlier versions cannot read the log.
//
// Readers (LastSeq, Last, Since, After, EpochStart, Origins, Outbox, …) see
// committed data only, and run concurrently with each other and with the
// committer.
package store
