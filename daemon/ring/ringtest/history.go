package ringtest

import (
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// CommittedEntries are the entries of n's log up to its commit point.
func CommittedEntries(n *Node) []protocol.Entry {
	c := n.M.Commit()
	i := 0
	for i < len(n.Log.Entries) && n.Log.Entries[i].Seq <= c {
		i++
	}
	return n.Log.Entries[:i]
}

// Texts are the texts of the entries of l.
func Texts(l *ring.MemLog) []string {
	var out []string
	for _, e := range l.Entries {
		out = append(out, e.Text)
	}
	return out
}

// HoldsCommitted counts the committed messages of origin with this text in n.
func HoldsCommitted(n *Node, origin, text string) int {
	k := 0
	for _, e := range CommittedEntries(n) {
		if e.OriginID == origin && e.Text == text && e.Kind != protocol.KindSystem {
			k++
		}
	}
	return k
}

// entryAt finds the entry at seq in l.
func entryAt(l *ring.MemLog, seq uint64) (protocol.Entry, bool) {
	i := int(seq) - int(l.FloorSeq) - 1
	if seq <= l.FloorSeq || i >= len(l.Entries) {
		return protocol.Entry{}, false
	}
	return l.Entries[i], true
}

func majority(n int) int { return n/2 + 1 }

func hasMember(ms []protocol.NodeInfo, id string) bool {
	for _, n := range ms {
		if n.ID == id {
			return true
		}
	}
	return false
}
