// Package store keeps a node's durable state in one bbolt file in its
// data_dir: the node id, the last known ring state (epoch, membership,
// leader), every delivered chat message in sequence order, a table of the
// first sequence number of each epoch, and an outbox of this node's messages
// that no leader has sequenced yet.
//
// Durability: every write (Append, TruncateAfter, Reset, Prune, SetNodeID,
// SaveState, OutboxPut, OutboxDelete) returns only after the bbolt
// transaction holding it has been committed and fsync'd. Writes are applied
// by one committer goroutine in the order they were submitted; writes that
// queue up while a commit is under way share the next transaction (group
// commit), so many small Appends cost one fsync. A crash keeps every write
// that returned and loses, as a whole, any transaction that had not
// finished.
//
// History layout: sequenced messages are keyed by their sequence number;
// unsequenced (direct) messages by the last sequence number at their arrival
// and an arrival counter, so both kinds read back in the order they were
// stored. Sequenced messages are contiguous: each Append continues
// LastSeq()+1. Retention by count and by age removes the oldest messages;
// LastSeq and LastEpoch remember what was removed, so they never go back
// except by TruncateAfter or Reset.
//
// Readers (LastSeq, Last, Since, After, EpochStart, …) see committed data
// only, and run concurrently with each other and with the committer.
package store
