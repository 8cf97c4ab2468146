// Package seglog is an append-only log of records kept in segment files,
// made durable by one fdatasync per appended batch: the storage issue 15
// asks the history to move to, in place of bbolt's two fsyncs and page
// writes per commit.
//
// On disk, a directory holds a LOCK file and segments named by their
// number (00000000000000000001.seg, …). A segment starts with an 8-byte
// header ("ringseg1") followed by batches. A batch, the unit of one Append
// and of its fdatasync, is
//
//	magic u32 | batch number u64 | body length u32 | CRC-32C of the body u32 | body
//
// and its body is its records, each
//
//	length u32 | CRC-32C of the payload u32 | payload
//
// all little-endian. Batch numbers run 1, 2, 3, … across segments. A
// record is addressed by a Pos: its segment and the offset of its length
// field, so it can be read back alone (ReadAt) and checked by its own CRC.
//
// Recovery (Open): every batch is checked. Because each batch is made
// durable before the next is written, a crash can damage only the last
// batch of the last segment: a bad or incomplete batch there, with no good
// batch anywhere after it, is a torn write and is cut off (the caller was
// never told it was stored). A bad batch anywhere else, or one followed by
// a good batch, is damage the log cannot explain: Open fails with an
// *CorruptError naming the file and offset, and changes nothing.
//
// The log never rewrites what it stored: a caller that needs to forget
// records (a truncation, a reset) appends a record saying so, and old
// segments go as a whole (RemoveBefore) once nothing in them is needed.
package seglog
