package ringtest

import (
	"slices"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// CheckAgreement asserts that live members agree on leader, epoch and view,
// and that their committed histories agree.
func (s *Sim) CheckAgreement() {
	s.T.Helper()
	var ref *Node
	for _, n := range s.Alive() {
		if n.M.State() == ring.Detached {
			continue
		}
		if n.M.State() != ring.Member {
			s.T.Fatalf("%s is %s, not member", n.Name, n.M.State())
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.M.Leader().ID != ref.M.Leader().ID || n.M.Epoch() != ref.M.Epoch() {
			s.T.Fatalf("%s follows %s@%d but %s follows %s@%d", n.Name, n.M.Leader().Name, n.M.Epoch(), ref.Name, ref.M.Leader().Name, ref.M.Epoch())
		}
		if !slices.Equal(n.M.View().Members, ref.M.View().Members) {
			s.T.Fatalf("views differ: %s %v, %s %v", n.Name, n.M.View().Members, ref.Name, ref.M.View().Members)
		}
	}
	s.CheckLogs()
}

// CheckLogs asserts that every node's committed history is a prefix of
// the longest one.
func (s *Sim) CheckLogs() {
	s.T.Helper()
	var longest []protocol.Entry
	for _, id := range s.Order {
		if l := CommittedEntries(s.Nodes[id]); len(l) > len(longest) {
			longest = l
		}
	}
	for _, id := range s.Order {
		n := s.Nodes[id]
		for i, e := range CommittedEntries(n) {
			if longest[i].OriginID != e.OriginID || longest[i].OriginCounter != e.OriginCounter || e.Seq != longest[i].Seq {
				s.T.Fatalf("%s's log differs at %d: %+v vs %+v", n.Name, i, e, longest[i])
			}
		}
	}
}
