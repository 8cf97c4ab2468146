package store

import "fmt"

// Append stores msgs in order and returns once they are durable. Sequenced
// messages must continue LastSeq()+1 without gaps and never go back in
// epoch; unsequenced ones (Seq 0, direct messages) are kept in arrival
// order between them. Either all of msgs are stored or, with an error, none.
// The origins table records each sequenced message's origin counter.
func (s *Store) Append(msgs ...Record) error {
	return <-s.AppendAsync(msgs...)
}

// AppendAsync is Append without the wait: it queues msgs behind every write
// submitted before it and returns at once. The channel yields Append's
// result once the messages are durable. A single goroutine that hands the
// sequence out can so keep many Appends in flight and have them share
// fsyncs; LastSeq reports only what is durable. msgs is not kept: the
// caller may reuse the slice once AppendAsync returns.
func (s *Store) AppendAsync(msgs ...Record) <-chan error {
	vals, err := encodeAll(msgs)
	if err != nil {
		return failed(err)
	}
	meta := make([]appended, len(msgs))
	for i, m := range msgs {
		meta[i] = appended{seq: m.Seq, epoch: m.Epoch, lamport: m.Lamport, origin: m.OriginID, counter: m.OriginCounter, members: m.Members}
	}
	return s.submit(
		func(w *txn) error { return checkContiguous(w.t, meta) },
		func(w *txn) error { return w.append(meta, vals) },
	)
}

// appended is what the transaction needs of a record besides its bytes: a
// third of a Record, and the caller's Records are not kept.
type appended struct {
	seq, epoch, lamport uint64
	origin              string
	counter             uint64
	members             []Node
}

func checkContiguous(t tip, msgs []appended) error {
	last, epoch := t.lastSeq, t.lastEpoch
	for _, m := range msgs {
		if m.seq == 0 {
			continue
		}
		if m.seq != last+1 {
			return fmt.Errorf("store: seq %d does not follow last seq %d", m.seq, last)
		}
		if m.epoch < epoch {
			return fmt.Errorf("store: seq %d has epoch %d, below epoch %d of seq %d", m.seq, m.epoch, epoch, last)
		}
		last, epoch = m.seq, m.epoch
	}
	return nil
}

func (w *txn) append(msgs []appended, vals [][]byte) error {
	for i, m := range msgs {
		if m.seq == 0 {
			if err := w.msgs.Put(msgKey(w.t.lastSeq, w.t.nextSub), vals[i]); err != nil {
				return err
			}
			w.t.nextSub++
			w.t.count++
			continue
		}
		if err := w.msgs.Put(msgKey(m.seq, 0), vals[i]); err != nil {
			return err
		}
		if len(m.members) > 0 {
			if err := w.putView(m.seq, m.members); err != nil {
				return err
			}
		}
		if w.t.firstSeq == 0 || m.epoch != w.t.lastEpoch {
			if err := w.epochs.Put(u64(m.epoch), u64(m.seq)); err != nil {
				return err
			}
		}
		if w.t.firstSeq == 0 {
			w.t.firstSeq = m.seq
		}
		w.t.lastSeq, w.t.lastEpoch, w.t.nextSub = m.seq, m.epoch, 1
		w.t.count++
	}
	w.noteOrigins(msgs)
	high := w.t.lamport
	for _, m := range msgs {
		high = max(high, m.lamport)
	}
	if high > w.t.lamport {
		w.t.lamport = high
		return w.meta.Put(keyLamport, u64(high))
	}
	return nil
}
