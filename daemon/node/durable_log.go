package node

import (
	"fmt"
	"maps"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/protocol"
)

// durableLog is the ring machine's Log over the history store. The machine
// appends synchronously; the entries of one driver cycle are written in
// one group-committed transaction (submit) and, until the store confirms
// them, served from memory. Truncation and reset are rare and wait for the
// store.
type durableLog struct {
	st        *store.Store
	tail      []tailEntry // appended but not yet confirmed durable, in order
	queued    int         // the last queued entries of tail are not yet submitted
	commits   uint64      // batches submitted so far
	inflight  []commit    // submitted batches not yet reported, oldest first
	lastSeq   uint64
	lastEpoch uint64
	lamport   uint64 // the highest stamp appended since the start
	origins   map[string]uint64
	records   []store.Record // submit's scratch: a new slice per batch was 8 % of a leader's allocation
	// onDurable hears of each batch in order, once the store wrote it or failed.
	onDurable func(err error)
}

type tailEntry struct {
	e      protocol.Entry
	commit uint64 // the batch that writes it, 0 while queued
}

// commit is one submitted batch: done yields the store's result.
type commit struct {
	id   uint64
	done <-chan error
}

var _ ring.Log = (*durableLog)(nil)

func newDurableLog(st *store.Store) *durableLog {
	return &durableLog{st: st, lastSeq: st.LastSeq(), lastEpoch: st.LastEpoch(), origins: st.Origins()}
}

// Lamport: the store's highest stamp, or a higher one appended since.
func (l *durableLog) Lamport() uint64 { return max(l.lamport, l.st.Lamport()) }

func (l *durableLog) LastSeq() uint64   { return l.lastSeq }
func (l *durableLog) LastEpoch() uint64 { return l.lastEpoch }

// Durable is what the store has confirmed: every entry up to it survives a crash.
func (l *durableLog) Durable() uint64 { return min(l.lastSeq, l.st.LastSeq()) }

// ViewAt finds the last view entry at or below seq: in what waits for the
// store, else in the store's index of views.
func (l *durableLog) ViewAt(seq uint64) (protocol.Entry, bool) {
	for i := len(l.tail) - 1; i >= 0; i-- {
		if e := l.tail[i].e; e.Seq <= seq && e.IsView() {
			return e, true
		}
	}
	ms, at, ok, err := l.st.ViewAt(seq)
	if err != nil || !ok {
		return protocol.Entry{}, false
	}
	return protocol.Entry{Seq: at, Kind: protocol.KindSystem, Members: store.Infos(ms)}, true
}

func (l *durableLog) Append(e protocol.Entry) error {
	if e.Seq != l.lastSeq+1 {
		return fmt.Errorf("history: seq %d does not follow %d", e.Seq, l.lastSeq)
	}
	l.tail = append(l.tail, tailEntry{e: e})
	l.queued++
	l.lastSeq, l.lastEpoch = e.Seq, e.Epoch
	l.lamport = max(l.lamport, e.Lamport)
	if e.OriginCounter > l.origins[e.OriginID] {
		l.origins[e.OriginID] = e.OriginCounter
	}
	return nil
}

// submit hands the queued entries to the store as one batch.
func (l *durableLog) submit() {
	if l.queued == 0 {
		return
	}
	l.commits++
	batch := l.tail[len(l.tail)-l.queued:]
	msgs := l.records[:0] // AppendAsync keeps none of them
	for i := range batch {
		batch[i].commit = l.commits
		msgs = append(msgs, store.RecordOf(batch[i].e))
	}
	l.queued = 0
	l.inflight = append(l.inflight, commit{id: l.commits, done: l.st.AppendAsync(msgs...)})
	clear(msgs)
	if cap(msgs) <= maxRecordScratch {
		l.records = msgs[:0]
	}
}

// maxRecordScratch bounds the records submit keeps for the next batch.
const maxRecordScratch = 1024

// next is the channel of the oldest batch in flight, nil if none.
func (l *durableLog) next() <-chan error {
	if len(l.inflight) == 0 {
		return nil
	}
	return l.inflight[0].done
}

// completed takes the result of the oldest batch in flight (read from next).
func (l *durableLog) completed(err error) {
	c := l.inflight[0]
	l.inflight = l.inflight[1:]
	if err == nil {
		i := 0
		for i < len(l.tail) && l.tail[i].commit != 0 && l.tail[i].commit <= c.id {
			i++
		}
		// Moved down rather than resliced, so that the array is reused: a
		// resliced tail grows into a new one every few batches (13 % of a
		// member's allocation at full throughput).
		n := copy(l.tail, l.tail[i:])
		clear(l.tail[n:])
		l.tail = l.tail[:n]
	}
	if l.onDurable != nil {
		l.onDurable(err)
	}
}

// settle writes everything appended and waits for it, so that a write that
// must wait for the store (truncation, reset) comes after it.
func (l *durableLog) settle() {
	l.submit()
	for len(l.inflight) > 0 {
		l.completed(<-l.inflight[0].done)
	}
}

func (l *durableLog) After(seq uint64, max int) []protocol.Entry {
	var out []protocol.Entry
	memFrom := l.lastSeq + 1
	if len(l.tail) > 0 {
		memFrom = l.tail[0].e.Seq
	}
	if seq+1 < memFrom {
		for _, m := range l.st.After(seq, max) {
			if m.Seq >= memFrom {
				break
			}
			out = append(out, m.Entry())
		}
	}
	for _, t := range l.tail {
		if max > 0 && len(out) >= max {
			break
		}
		if t.e.Seq > seq {
			out = append(out, t.e)
		}
	}
	return out
}

func (l *durableLog) EpochEnd(epoch uint64) (endEpoch, endSeq uint64, ok bool) {
	for i := len(l.tail) - 1; i >= 0; i-- {
		if e := l.tail[i].e; e.Epoch <= epoch {
			return e.Epoch, e.Seq, true
		}
	}
	seq, ok := l.st.EpochEnd(epoch)
	if !ok || seq == 0 {
		return 0, 0, ok
	}
	if ms := l.st.After(seq-1, 1); len(ms) == 1 && ms[0].Seq == seq {
		return ms[0].Epoch, seq, true
	}
	if floor, floorEpoch := l.st.Floor(); floor == seq {
		return floorEpoch, seq, true
	}
	return 0, 0, false
}

func (l *durableLog) TruncateAfter(seq uint64) ([]protocol.Entry, error) {
	l.settle()
	cut, err := l.st.TruncateAfter(seq)
	if err != nil {
		return nil, err
	}
	l.tail = nil
	l.lastSeq, l.lastEpoch, l.origins = l.st.LastSeq(), l.st.LastEpoch(), l.st.Origins()
	out := make([]protocol.Entry, len(cut))
	for i, m := range cut {
		out[i] = m.Entry()
	}
	return out, nil
}

func (l *durableLog) Floor() (seq, epoch uint64) { return l.st.Floor() }

func (l *durableLog) StartAfter(seq, epoch uint64, origins map[string]uint64, members []protocol.NodeInfo) error {
	l.settle()
	if err := l.st.StartAfter(seq, epoch, origins, store.NodesOf(members)); err != nil {
		return err
	}
	l.tail = nil
	l.lastSeq, l.lastEpoch, l.origins = l.st.LastSeq(), l.st.LastEpoch(), l.st.Origins()
	return nil
}

func (l *durableLog) Origins() map[string]uint64 { return maps.Clone(l.origins) }

func (l *durableLog) Reset() error {
	l.settle()
	if err := l.st.Reset(); err != nil {
		return err
	}
	l.tail = nil
	l.lastSeq, l.lastEpoch, l.origins = 0, 0, map[string]uint64{}
	return nil
}
