package ring

import (
	"fmt"

	"github.com/ringchat/ring/protocol"
)

// MemLog is a Log kept in memory, for tests and simulations. FloorSeq and
// FloorEpoch stand for history removed before Entries[0] (StartAfter).
type MemLog struct {
	Entries    []protocol.Entry
	FloorSeq   uint64
	FloorEpoch uint64
	FloorView  []protocol.NodeInfo // the membership in force at FloorSeq
	// Lag, if set, is how many of the last entries are not durable yet.
	Lag     int
	origins map[string]uint64
	lamport uint64
}

// Lamport is the highest stamp appended, ever.
func (l *MemLog) Lamport() uint64 { return l.lamport }

// Durable is the last entry but Lag.
func (l *MemLog) Durable() uint64 {
	if l.Lag <= 0 || len(l.Entries) == 0 {
		return l.LastSeq()
	}
	if l.Lag >= len(l.Entries) {
		return l.FloorSeq
	}
	return l.Entries[len(l.Entries)-1-l.Lag].Seq
}

// ViewAt finds the last view entry at or below seq; at the floor, the
// floor's view stands for it.
func (l *MemLog) ViewAt(seq uint64) (protocol.Entry, bool) {
	for i := len(l.Entries) - 1; i >= 0; i-- {
		if e := l.Entries[i]; e.Seq <= seq && e.IsView() {
			return e, true
		}
	}
	if len(l.FloorView) > 0 && seq >= l.FloorSeq {
		return protocol.Entry{Seq: l.FloorSeq, Epoch: l.FloorEpoch, Kind: protocol.KindSystem, Members: l.FloorView}, true
	}
	return protocol.Entry{}, false
}

func (l *MemLog) LastSeq() uint64 {
	if len(l.Entries) == 0 {
		return l.FloorSeq
	}
	return l.Entries[len(l.Entries)-1].Seq
}

func (l *MemLog) LastEpoch() uint64 {
	if len(l.Entries) == 0 {
		return l.FloorEpoch
	}
	return l.Entries[len(l.Entries)-1].Epoch
}

func (l *MemLog) Append(e protocol.Entry) error {
	if e.Seq != l.LastSeq()+1 {
		return fmt.Errorf("seq %d after %d", e.Seq, l.LastSeq())
	}
	l.Entries = append(l.Entries, e)
	l.lamport = max(l.lamport, e.Lamport)
	if l.origins == nil {
		l.origins = map[string]uint64{}
	}
	l.origins[e.OriginID] = max(l.origins[e.OriginID], e.OriginCounter)
	return nil
}

func (l *MemLog) After(seq uint64, max int) []protocol.Entry {
	var out []protocol.Entry
	for _, e := range l.Entries {
		if e.Seq > seq {
			out = append(out, e)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

func (l *MemLog) EpochEnd(epoch uint64) (endEpoch, endSeq uint64, ok bool) {
	for i := len(l.Entries) - 1; i >= 0; i-- {
		if e := l.Entries[i]; e.Epoch <= epoch {
			return e.Epoch, e.Seq, true
		}
	}
	if l.FloorSeq == 0 {
		return 0, 0, true
	}
	if l.FloorEpoch <= epoch {
		return l.FloorEpoch, l.FloorSeq, true
	}
	return 0, 0, false
}

func (l *MemLog) TruncateAfter(seq uint64) ([]protocol.Entry, error) {
	if seq < l.FloorSeq {
		return nil, fmt.Errorf("seq %d is below the floor %d", seq, l.FloorSeq)
	}
	keep := 0
	for keep < len(l.Entries) && l.Entries[keep].Seq <= seq {
		keep++
	}
	cut := append([]protocol.Entry(nil), l.Entries[keep:]...)
	l.Entries = l.Entries[:keep]
	lowerOrigins(l.origins, cut)
	return cut, nil
}

func (l *MemLog) Floor() (seq, epoch uint64) { return l.FloorSeq, l.FloorEpoch }

func (l *MemLog) StartAfter(seq, epoch uint64, origins map[string]uint64, members []protocol.NodeInfo) error {
	if len(l.Entries) > 0 || l.FloorSeq > 0 {
		return fmt.Errorf("the log is not empty")
	}
	l.FloorSeq, l.FloorEpoch, l.FloorView = seq, epoch, members
	l.origins = map[string]uint64{}
	for id, c := range origins {
		l.origins[id] = c
	}
	return nil
}

func (l *MemLog) Origins() map[string]uint64 {
	out := make(map[string]uint64, len(l.origins))
	for id, c := range l.origins {
		out[id] = c
	}
	return out
}

func (l *MemLog) Reset() error {
	l.Entries, l.FloorSeq, l.FloorEpoch, l.FloorView, l.origins = nil, 0, 0, nil, nil
	return nil
}

// lowerOrigins takes the cut entries out of an origin table: each origin's
// counters are contiguous along a log, so what is left of an origin ends
// just below its smallest cut counter.
func lowerOrigins(origins map[string]uint64, cut []protocol.Entry) {
	for _, e := range cut {
		if c, ok := origins[e.OriginID]; ok && e.OriginCounter <= c {
			if e.OriginCounter <= 1 {
				delete(origins, e.OriginID)
			} else {
				origins[e.OriginID] = e.OriginCounter - 1
			}
		}
	}
}
