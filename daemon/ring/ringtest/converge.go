package ringtest

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// CheckInvariants asserts what must hold once the ring has healed and the
// network is quiet:
//
//   - every running node attached to a ring is a member of the same ring,
//     and they agree on leader, epoch and view; the leader runs and leads;
//   - no committed history holds a message twice;
//   - every message acknowledged in that ring is in every member's
//     committed history exactly once.
func (s *Sim) CheckInvariants() {
	s.T.Helper()
	s.CheckNoDuplicates()
	for _, n := range s.Alive() {
		if n.M.State() == ring.Joining {
			s.T.Fatalf("%s is still joining", n.Name)
		}
	}
	ms := s.Members()
	var ref *Node
	for _, n := range ms {
		if n.M.State() != ring.Member {
			s.T.Fatalf("%s is %s, not member", n.Name, n.M.State())
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.M.View().RingID != ref.M.View().RingID {
			s.T.Fatalf("%s is in ring %s but %s in ring %s", n.Name, n.M.View().RingID, ref.Name, ref.M.View().RingID)
		}
		if n.M.Leader().ID != ref.M.Leader().ID || n.M.Epoch() != ref.M.Epoch() {
			s.T.Fatalf("%s follows %s@%d but %s follows %s@%d", n.Name, n.M.Leader().Name, n.M.Epoch(), ref.Name, ref.M.Leader().Name, ref.M.Epoch())
		}
		if !slices.Equal(n.M.View().Members, ref.M.View().Members) {
			s.T.Fatalf("views differ: %s v%d %v, %s v%d %v", n.Name, n.M.View().Version, n.M.View().Members, ref.Name, ref.M.View().Version, ref.M.View().Members)
		}
	}
	if ref == nil {
		return
	}
	ring := ref.M.View().RingID
	l, ok := s.Nodes[ref.M.Leader().ID]
	if !ok || !l.Alive || l.Hung || !l.M.IsLeader() {
		s.T.Fatalf("members follow %q, which does not run or lead", ref.M.Leader().Name)
	}
	for _, p := range ref.M.View().Members {
		if n := s.Nodes[p.ID]; n == nil || !slices.Contains(ms, n) {
			s.T.Fatalf("view %v holds %s, which does not run in the ring", ref.M.View().Members, p.Name)
		}
	}
	for _, n := range ms {
		if !hasMember(ref.M.View().Members, n.Info.ID) {
			s.T.Fatalf("%s runs as a member but is not in the view", n.Name)
		}
	}
	if s.Check.Off {
		return
	}
	// Acknowledged messages of this ring are never lost.
	for _, k := range s.Check.acks {
		if k.ring != ring {
			continue
		}
		for _, n := range ms {
			if got := HoldsCommitted(n, k.origin, k.text); got != 1 {
				s.T.Fatalf("%q, acknowledged to %s at %d, is %d times in %s's committed history %q", k.text, k.by.Name, k.seq, got, n.Name, Texts(n.Log))
			}
		}
	}
}

// Converged says whether the running nodes form one ring of all of them,
// with a leader, nothing waiting in an outbox, every member caught up and
// none marking a running member of its view dead.
func (s *Sim) Converged() (bool, string) {
	var ref *Node
	for _, n := range s.Alive() {
		if n.M.State() != ring.Member {
			return false, n.Name + " is " + string(n.M.State())
		}
		if n.M.Pending() > 0 {
			return false, n.Name + " has " + strconv.Itoa(n.M.Pending()) + " messages pending"
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.M.Leader().ID != ref.M.Leader().ID || n.M.Epoch() != ref.M.Epoch() || n.M.View().RingID != ref.M.View().RingID {
			return false, fmt.Sprintf("%s follows %s@%d, %s follows %s@%d", n.Name, n.M.Leader().Name, n.M.Epoch(), ref.Name, ref.M.Leader().Name, ref.M.Epoch())
		}
	}
	if ref == nil {
		return true, ""
	}
	l := s.Nodes[ref.M.Leader().ID]
	if l == nil || !l.Alive || l.Hung || !l.M.IsLeader() {
		return false, "the leader does not run"
	}
	if got, want := len(l.M.Configuration()), len(s.Alive()); got != want || l.M.ViewPending() {
		return false, fmt.Sprintf("the leader's view has %d members, %d run", got, want)
	}
	for _, n := range s.Alive() {
		if n.M.Commit() != l.M.Commit() || n.Log.LastSeq() != l.Log.LastSeq() {
			return false, fmt.Sprintf("%s has committed %d of %d, the leader %d of %d", n.Name, n.M.Commit(), n.Log.LastSeq(), l.M.Commit(), l.Log.LastSeq())
		}
		if p, ok := s.markedDead(n); ok {
			return false, fmt.Sprintf("%s marks %s dead, which runs in its view", n.Name, p)
		}
	}
	return true, ""
}

// markedDead finds a member of n's view that n marks dead although it runs
// (it routes round it and sends it no heartbeats), by name.
func (s *Sim) markedDead(n *Node) (string, bool) {
	var names []string
	for id, why := range n.M.Gone() {
		if p := s.Nodes[id]; why == "died" && p != nil && p.Alive && !p.Hung && hasMember(n.M.View().Members, id) {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return "", false
	}
	slices.Sort(names)
	return names[0], true
}

// CheckNoDuplicates asserts that no running member's committed history
// holds a message twice: no (origin, counter) twice, and no text of an
// origin more often than it was said.
func (s *Sim) CheckNoDuplicates() {
	s.T.Helper()
	for _, n := range s.Members() {
		said := map[[2]string]int{}
		seen := map[string]bool{}
		for _, e := range CommittedEntries(n) {
			if k := e.OriginID + "#" + strconv.FormatUint(e.OriginCounter, 10); seen[k] {
				s.T.Fatalf("%s's log holds %s twice", n.Name, k)
			} else {
				seen[k] = true
			}
			if e.Kind == protocol.KindSystem {
				continue
			}
			k := [2]string{e.OriginID, e.Text}
			if said[k]++; said[k] > s.Said[k] {
				s.T.Fatalf("%s's log holds %q of %s %d times, said %d times", n.Name, e.Text, s.Nodes[e.OriginID].Name, said[k], s.Said[k])
			}
		}
	}
}
