// Package kv is the store's database: a fixed set of named buckets of
// ordered keys, held in memory, each transaction made durable as one batch
// of a segment log (seglog: one write and one fdatasync). One bucket, the
// history, keeps its values in the log only: memory holds each key and
// where its value lies, and reads fetch it from the file.
//
// Readers see the state of the last durable transaction, a snapshot that
// writers never change (copy-on-write B-trees, github.com/google/btree).
// Update runs one transaction at a time; its writes are logged as put,
// delete and clear operations, so Open rebuilds the state by replaying the
// log. When the oldest segments hold no value the history still needs,
// the other buckets are written out whole (a snapshot) and those segments
// are deleted.
package kv
