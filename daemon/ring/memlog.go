package ring

import (
	"fmt"

	"github.com/ringchat/ring/protocol"
)

// MemLog is a Log kept in memory, for tests and simulations.
type MemLog struct{ Entries []protocol.Entry }

func (l *MemLog) LastSeq() uint64 {
	if len(l.Entries) == 0 {
		return 0
	}
	return l.Entries[len(l.Entries)-1].Seq
}

func (l *MemLog) LastEpoch() uint64 {
	if len(l.Entries) == 0 {
		return 0
	}
	return l.Entries[len(l.Entries)-1].Epoch
}

func (l *MemLog) Append(e protocol.Entry) error {
	if e.Seq != l.LastSeq()+1 {
		return fmt.Errorf("seq %d after %d", e.Seq, l.LastSeq())
	}
	l.Entries = append(l.Entries, e)
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

func (l *MemLog) Reset() error {
	l.Entries = nil
	return nil
}
