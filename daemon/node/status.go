package node

import (
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// snapshot copies the machine's view for Status and Members, which other
// goroutines read.
func (n *Node) snapshot() {
	m := n.machine
	ref := func(p protocol.NodeInfo) chat.NodeRef { return chat.NodeRef{ID: p.ID, Name: p.Name, Addr: p.Addr} }
	st := chat.Status{
		ID:        n.self.ID,
		Name:      n.self.Name,
		Addr:      n.self.Addr,
		State:     string(m.State()),
		Leader:    ref(m.Leader()),
		Epoch:     m.Epoch(),
		Members:   len(m.View().Members),
		LastSeq:   n.st.LastSeq(),
		CommitSeq: min(m.Commit(), n.st.LastSeq()),
		Quorum:    m.Quorum(),
		Reachable: m.Reachable(),
		Lamport:   m.Lamport(),
	}
	if m.State() == ring.Detached || m.State() == ring.Joining {
		st.Members, st.Quorum, st.Reachable = 0, 0, 0
	} else {
		st.Prev, st.Next = ref(m.Prev()), ref(m.Next())
		st.Ring = m.View().RingID
	}
	unreachable := m.Unreachable()
	n.mu.Lock()
	n.pub.status = st
	n.pub.unreachable = unreachable
	n.mu.Unlock()
}

// observePresence tells the directory which peers are gone and which this
// node watches. Both change only with the view, the leader, the state or
// a peer gone, so it runs on those events, not on every message.
func (n *Node) observePresence() {
	m := n.machine
	gone, watched := m.Gone(), m.Watched()
	n.mu.Lock()
	n.pub.dir.Observe(m.Leader().ID, gone, watched, n.now())
	n.mu.Unlock()
}

func changesPresence(events []ring.Event) bool {
	for _, ev := range events {
		switch ev.(type) {
		case ring.ViewChanged, ring.LeaderChanged, ring.StateChanged, ring.PeerGone, ring.PeerBack:
			return true
		}
	}
	return false
}
