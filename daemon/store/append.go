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
// fsyncs; LastSeq reports only what is durable.
func (s *Store) AppendAsync(msgs ...Record) <-chan error {
	vals := make([][]byte, len(msgs))
	for i, m := range msgs {
		v, err := encode(m)
		if err != nil {
			return failed(fmt.Errorf("store: encode message %q: %w", m.ID(), err))
		}
		vals[i] = v
	}
	return s.submit(
		func(w *txn) error { return checkContiguous(w.t, msgs) },
		func(w *txn) error { return w.append(msgs, vals) },
	)
}

func checkContiguous(t tip, msgs []Record) error {
	last, epoch := t.lastSeq, t.lastEpoch
	for _, m := range msgs {
		if m.Seq == 0 {
			continue
		}
		if m.Seq != last+1 {
			return fmt.Errorf("store: seq %d does not follow last seq %d", m.Seq, last)
		}
		if m.Epoch < epoch {
			return fmt.Errorf("store: seq %d has epoch %d, below epoch %d of seq %d", m.Seq, m.Epoch, epoch, last)
		}
		last, epoch = m.Seq, m.Epoch
	}
	return nil
}

func (w *txn) append(msgs []Record, vals [][]byte) error {
	for i, m := range msgs {
		if m.Seq == 0 {
			if err := w.msgs.Put(msgKey(w.t.lastSeq, w.t.nextSub), vals[i]); err != nil {
				return err
			}
			w.t.nextSub++
			w.t.count++
			continue
		}
		if err := w.msgs.Put(msgKey(m.Seq, 0), vals[i]); err != nil {
			return err
		}
		if len(m.Members) > 0 {
			if err := w.putView(m.Seq, m.Members); err != nil {
				return err
			}
		}
		if w.t.firstSeq == 0 || m.Epoch != w.t.lastEpoch {
			if err := w.epochs.Put(u64(m.Epoch), u64(m.Seq)); err != nil {
				return err
			}
		}
		if w.t.firstSeq == 0 {
			w.t.firstSeq = m.Seq
		}
		w.t.lastSeq, w.t.lastEpoch, w.t.nextSub = m.Seq, m.Epoch, 1
		w.t.count++
	}
	w.noteOrigins(msgs)
	high := w.t.lamport
	for _, m := range msgs {
		high = max(high, m.Lamport)
	}
	if high > w.t.lamport {
		w.t.lamport = high
		return w.meta.Put(keyLamport, u64(high))
	}
	return nil
}
