package ring

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/ringchat/ring/protocol"
)

// checker asserts the ring's safety after every step of the simulator:
//
//   - at most one leader per epoch of a ring (over every LeaderChanged any
//     node emitted, dead ones included);
//   - committed prefixes agree: the ledger records each sequence number of
//     a ring the first time a node commits it, and every later commit of
//     it, on any node, is the same entry;
//   - an entry is held by a majority of the view it is committed in, at the
//     moment it is first committed (judged then, not from final logs);
//   - a new leader holds every committed entry;
//   - nothing at or below a node's commit point is ever cut;
//   - while a cut splits the ring, a node whose part holds no majority of
//     its view commits nothing beyond what a majority already stored when
//     the cut began.
//
// What it cannot judge after a reform (a forced view, which may lose what
// only the dropped members held) it is told to skip (off).
type checker struct {
	s       *sim
	off     bool
	leaders map[ringEpoch]string
	ledger  map[string]map[uint64]entryID // ring -> seq -> the committed entry
	acks    []ackRec
	limit   map[string]cutLimit // node id -> the commit point it may not pass during the cut
}

// cutLimit holds while the node keeps the configuration it had at the cut:
// a node that joins the majority's side, or drops an uncommitted view entry
// when it hears the majority's leader, is no longer judged by it.
type cutLimit struct {
	seq     uint64
	ring    string
	version uint64 // seq of the committed view entry
	latest  uint64 // seq of the newest view entry, committed or not
}

type ringEpoch struct {
	ring  string
	epoch uint64
}

type entryID struct {
	epoch   uint64
	origin  string
	counter uint64
	text    string
}

func idOf(e protocol.Entry) entryID {
	return entryID{epoch: e.Epoch, origin: e.OriginID, counter: e.OriginCounter, text: e.Text}
}

type ackRec struct {
	ring, origin, text string
	seq                uint64
	id                 entryID
	by                 *simNode
}

func newChecker(s *sim) *checker {
	return &checker{s: s, leaders: map[ringEpoch]string{}, ledger: map[string]map[uint64]entryID{},
		limit: map[string]cutLimit{}}
}

func (c *checker) fatalf(format string, args ...any) {
	c.s.t.Helper()
	c.s.t.Fatalf("invariant: "+format, args...)
}

// entryAt finds the entry at seq in l.
func entryAt(l *MemLog, seq uint64) (protocol.Entry, bool) {
	i := int(seq) - int(l.FloorSeq) - 1
	if seq <= l.FloorSeq || i >= len(l.Entries) {
		return protocol.Entry{}, false
	}
	return l.Entries[i], true
}

// after checks node n, which just took an input or produced output.
func (c *checker) after(n *simNode) {
	c.s.t.Helper()
	acked := len(c.acks)
	c.scanEvents(n)
	if c.off {
		n.checked = n.m.Commit()
		return
	}
	c.checkCommit(n)
	// A message is acknowledged only once committed: the ledger has it.
	for _, k := range c.acks[acked:] {
		if want, ok := c.ledger[k.ring][k.seq]; k.seq > n.log.FloorSeq && (!ok || want != k.id) {
			c.fatalf("%s acknowledged %q at %d, which is not what its ring committed there (%+v, known %v)", n.name, k.text, k.seq, want, ok)
		}
	}
}

func (c *checker) scanEvents(n *simNode) {
	c.s.t.Helper()
	for ; n.scanned < len(n.events); n.scanned++ {
		switch e := n.events[n.scanned].(type) {
		case ViewChanged:
			if e.View.RingID != n.ring {
				n.ring, n.checked = e.View.RingID, 0
			}
		case LeaderChanged:
			k := ringEpoch{n.ring, e.Epoch}
			if l, ok := c.leaders[k]; ok && l != e.Leader.ID && !c.off {
				c.fatalf("two leaders in epoch %d of ring %s: %s and %s (seen by %s)", e.Epoch, n.ring, c.s.nodes[l].name, c.s.nodes[e.Leader.ID].name, n.name)
			}
			c.leaders[k] = e.Leader.ID
			if e.Leader.ID == n.info.ID && !c.off {
				c.checkLeaderComplete(n, e.Epoch)
			}
		case Acked:
			c.acks = append(c.acks, ackRec{ring: n.ring, origin: e.Entry.OriginID, text: e.Entry.Text, seq: e.Entry.Seq, id: idOf(e.Entry), by: n})
		case HistoryYielded:
			if !c.off {
				c.fatalf("%s cut its committed history from %d to %d, and no view was forced", n.name, e.From, e.To)
			}
			n.checked = min(n.checked, e.From-1)
		}
	}
}

// checkCommit compares what n committed since the last check with the
// ledger, and checks that nothing it committed was cut.
func (c *checker) checkCommit(n *simNode) {
	c.s.t.Helper()
	ring := n.m.View().RingID
	if ring == "" || n.m.State() == Detached && ring != n.ring {
		return
	}
	if ring != n.ring {
		n.ring, n.checked = ring, 0
	}
	if n.checked > 0 {
		if n.log.LastSeq() < n.checked {
			c.fatalf("%s's history ends at %d, below the %d it had committed", n.name, n.log.LastSeq(), n.checked)
		}
		if e, ok := entryAt(n.log, n.checked); ok {
			if want, ok := c.ledger[ring][n.checked]; ok && idOf(e) != want {
				c.fatalf("%s's committed entry %d was replaced: %+v, committed as %+v", n.name, n.checked, idOf(e), want)
			}
		}
	}
	commit := n.m.Commit()
	if lim, ok := c.limit[n.info.ID]; ok && lim.ring == ring && lim.version == n.m.committedSeq() && lim.latest == latestConfigSeq(n.m) && commit > lim.seq && commit > n.checked {
		c.fatalf("%s, cut off from a majority of its view, committed up to %d; a majority held only up to %d at the cut", n.name, commit, lim.seq)
	}
	if c.ledger[ring] == nil {
		c.ledger[ring] = map[uint64]entryID{}
	}
	// A reform commits what its leader held below its view entry: those
	// entries are judged by the reformed view.
	var reformed []protocol.NodeInfo
	reformSeq := uint64(0)
	for seq := n.checked + 1; seq <= commit; seq++ {
		if e, ok := entryAt(n.log, seq); ok && e.IsView() && e.Presence == protocol.PresenceReformed {
			reformed, reformSeq = e.Members, seq
			break
		}
	}
	for seq := n.checked + 1; seq <= commit; seq++ {
		e, ok := entryAt(n.log, seq)
		if !ok {
			continue // below the floor: retention removed it
		}
		want, known := c.ledger[ring][seq]
		if known {
			if idOf(e) != want {
				c.fatalf("%s committed %+v at %d, but %+v was committed there before", n.name, idOf(e), seq, want)
			}
			continue
		}
		if seq < reformSeq {
			c.checkHeldBy(n, e, reformed)
		} else {
			c.checkMajority(n, e)
		}
		c.ledger[ring][seq] = idOf(e)
	}
	n.checked = max(n.checked, commit)
}

// checkMajority: entry e, committed for the first time (by n), is held by a
// majority of the view in force at it; a view entry by a majority of the
// view before it too.
func (c *checker) checkMajority(n *simNode, e protocol.Entry) {
	c.s.t.Helper()
	v, ok := n.log.ViewAt(e.Seq)
	if !ok {
		c.fatalf("%s committed %d (%q) with no view in force", n.name, e.Seq, e.Text)
	}
	views := [][]protocol.NodeInfo{v.Members}
	// A founding entry is the first of its history; a reformed view needs
	// no majority of the view before (reform-*.txt).
	founding := e.Seq == n.log.FloorSeq+1 && len(e.Members) == 1 && e.Members[0].ID == e.OriginID
	if e.IsView() && e.Presence != protocol.PresenceReformed && !founding {
		if v, ok := n.log.ViewAt(e.Seq - 1); ok {
			views = append(views, v.Members)
		}
	}
	for _, members := range views {
		c.checkHeldBy(n, e, members)
	}
}

// checkHeldBy: e, committed by n, is held by a majority of members.
func (c *checker) checkHeldBy(n *simNode, e protocol.Entry, members []protocol.NodeInfo) {
	c.s.t.Helper()
	held := 0
	var holders []string
	for _, p := range members {
		if h := c.s.nodes[p.ID]; h != nil {
			if got, ok := entryAt(h.log, e.Seq); ok && idOf(got) == idOf(e) {
				held++
				holders = append(holders, h.name)
			}
		}
	}
	if held < majority(len(members)) {
		c.fatalf("%s committed %d (%q) held by %v only, of a view of %d", n.name, e.Seq, e.Text, holders, len(members))
	}
}

// checkLeaderComplete: a node that just became leader of epoch holds every
// entry its ring committed in the epochs before (Raft's leader
// completeness). In batch mode the event is seen late: what later epochs
// committed meanwhile is not its business.
func (c *checker) checkLeaderComplete(n *simNode, epoch uint64) {
	c.s.t.Helper()
	ring := n.m.View().RingID
	for seq, want := range c.ledger[ring] {
		if seq <= n.log.FloorSeq || want.epoch >= epoch {
			continue
		}
		if e, ok := entryAt(n.log, seq); !ok || idOf(e) != want {
			c.fatalf("%s leads epoch %d without committed entry %d (%+v); its history ends at %d", n.name, epoch, seq, want, n.log.LastSeq())
		}
	}
}

// cutChanged recomputes, for the cut now in force, which nodes are in a
// part without a majority of their view, and how far they may commit:
// what a majority stores right now.
func (c *checker) cutChanged() {
	c.limit = map[string]cutLimit{}
	if len(c.s.state) == 0 {
		return
	}
	ids := c.s.order
	part := map[string]int{}
	for i, id := range ids {
		part[id] = i
	}
	// Two nodes are in one part while frames flow either way between
	// them: through a one-way cut a node still hears the commit point.
	linked := func(a, b string) bool {
		x, y := c.s.state[[2]string{a, b}], c.s.state[[2]string{b, a}]
		return (!x.cut && !x.hold) || (!y.cut && !y.hold)
	}
	for changed := true; changed; { // union the parts, bounded by the node count
		changed = false
		for _, a := range ids {
			for _, b := range ids {
				if a != b && part[a] != part[b] && linked(a, b) {
					lo, hi := min(part[a], part[b]), max(part[a], part[b])
					for k, v := range part {
						if v == hi {
							part[k] = lo
						}
					}
					changed = true
				}
			}
		}
	}
	for _, id := range ids {
		n := c.s.nodes[id]
		members := n.m.config()
		in := 0
		for _, p := range members {
			if q, ok := part[p.ID]; ok && q == part[id] {
				in++
			}
		}
		if len(members) > 0 && in < majority(len(members)) {
			seq := c.committable(members, func(x string) bool { q, ok := part[x]; return ok && q == part[id] })
			c.limit[id] = cutLimit{seq: seq, ring: n.m.View().RingID, version: n.m.committedSeq(), latest: latestConfigSeq(n.m)}
		}
	}
}

func latestConfigSeq(m *Machine) uint64 {
	if len(m.q.configs) == 0 {
		return 0
	}
	return m.q.configs[len(m.q.configs)-1].seq
}

// committable is the highest sequence number whose entry may still be
// committed by a part (inPart) cut off from the rest: its members may all
// come to hold it, the others only if they hold it already.
func (c *checker) committable(members []protocol.NodeInfo, inPart func(id string) bool) uint64 {
	var top uint64
	for _, p := range members {
		if n := c.s.nodes[p.ID]; n != nil {
			top = max(top, n.log.LastSeq())
		}
	}
	inside := 0
	for _, p := range members {
		if inPart(p.ID) {
			inside++
		}
	}
	for seq := top; seq > 0; seq-- {
		count := map[entryID]int{}
		for _, p := range members {
			if n := c.s.nodes[p.ID]; n != nil && !inPart(p.ID) {
				if e, ok := entryAt(n.log, seq); ok {
					count[idOf(e)]++
				}
			}
		}
		for _, k := range count {
			if k+inside >= majority(len(members)) {
				return seq
			}
		}
	}
	return 0
}

// checkInvariants asserts what must hold once the ring has healed and the
// network is quiet:
//
//   - every running node attached to a ring is a member of the same ring,
//     and they agree on leader, epoch and view; the leader runs and leads;
//   - no committed history holds a message twice;
//   - every message acknowledged in that ring is in every member's
//     committed history exactly once.
func (s *sim) checkInvariants() {
	s.t.Helper()
	s.checkNoDuplicates()
	for _, n := range s.alive() {
		if n.m.State() == Joining {
			s.t.Fatalf("%s is still joining", n.name)
		}
	}
	ms := s.members()
	var ref *simNode
	for _, n := range ms {
		if n.m.State() != Member {
			s.t.Fatalf("%s is %s, not member", n.name, n.m.State())
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.m.View().RingID != ref.m.View().RingID {
			s.t.Fatalf("%s is in ring %s but %s in ring %s", n.name, n.m.View().RingID, ref.name, ref.m.View().RingID)
		}
		if n.m.Leader().ID != ref.m.Leader().ID || n.m.Epoch() != ref.m.Epoch() {
			s.t.Fatalf("%s follows %s@%d but %s follows %s@%d", n.name, n.m.Leader().Name, n.m.Epoch(), ref.name, ref.m.Leader().Name, ref.m.Epoch())
		}
		if !slices.Equal(n.m.View().Members, ref.m.View().Members) {
			s.t.Fatalf("views differ: %s v%d %v, %s v%d %v", n.name, n.m.View().Version, n.m.View().Members, ref.name, ref.m.View().Version, ref.m.View().Members)
		}
	}
	if ref == nil {
		return
	}
	ring := ref.m.View().RingID
	l, ok := s.nodes[ref.m.Leader().ID]
	if !ok || !l.alive || l.hung || !l.m.IsLeader() {
		s.t.Fatalf("members follow %q, which does not run or lead", ref.m.Leader().Name)
	}
	for _, p := range ref.m.View().Members {
		if n := s.nodes[p.ID]; n == nil || !slices.Contains(ms, n) {
			s.t.Fatalf("view %v holds %s, which does not run in the ring", ref.m.View().Members, p.Name)
		}
	}
	for _, n := range ms {
		if !hasMember(ref.m.View().Members, n.info.ID) {
			s.t.Fatalf("%s runs as a member but is not in the view", n.name)
		}
	}
	if s.check.off {
		return
	}
	// Acknowledged messages of this ring are never lost.
	for _, k := range s.check.acks {
		if k.ring != ring {
			continue
		}
		for _, n := range ms {
			if got := holdsCommitted(n, k.origin, k.text); got != 1 {
				s.t.Fatalf("%q, acknowledged to %s at %d, is %d times in %s's committed history %q", k.text, k.by.name, k.seq, got, n.name, texts(n.log))
			}
		}
	}
}

// converged says whether the running nodes form one ring of all of them,
// with a leader, nothing waiting in an outbox and every member caught up.
func (s *sim) converged() (bool, string) {
	var ref *simNode
	for _, n := range s.alive() {
		if n.m.State() != Member {
			return false, n.name + " is " + string(n.m.State())
		}
		if n.m.Pending() > 0 {
			return false, n.name + " has " + strconv.Itoa(n.m.Pending()) + " messages pending"
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.m.Leader().ID != ref.m.Leader().ID || n.m.Epoch() != ref.m.Epoch() || n.m.View().RingID != ref.m.View().RingID {
			return false, fmt.Sprintf("%s follows %s@%d, %s follows %s@%d", n.name, n.m.Leader().Name, n.m.Epoch(), ref.name, ref.m.Leader().Name, ref.m.Epoch())
		}
	}
	if ref == nil {
		return true, ""
	}
	l := s.nodes[ref.m.Leader().ID]
	if l == nil || !l.alive || l.hung || !l.m.IsLeader() {
		return false, "the leader does not run"
	}
	if got, want := len(l.m.config()), len(s.alive()); got != want || l.m.viewPending() {
		return false, fmt.Sprintf("the leader's view has %d members, %d run", got, want)
	}
	for _, n := range s.alive() {
		if n.m.Commit() != l.m.Commit() || n.log.LastSeq() != l.log.LastSeq() {
			return false, fmt.Sprintf("%s has committed %d of %d, the leader %d of %d", n.name, n.m.Commit(), n.log.LastSeq(), l.m.Commit(), l.log.LastSeq())
		}
	}
	return true, ""
}

// checkNoDuplicates asserts that no running member's committed history
// holds a message twice: no (origin, counter) twice, and no text of an
// origin more often than it was said.
func (s *sim) checkNoDuplicates() {
	s.t.Helper()
	for _, n := range s.members() {
		said := map[[2]string]int{}
		seen := map[string]bool{}
		for _, e := range committedEntries(n) {
			if k := e.OriginID + "#" + strconv.FormatUint(e.OriginCounter, 10); seen[k] {
				s.t.Fatalf("%s's log holds %s twice", n.name, k)
			} else {
				seen[k] = true
			}
			if e.Kind == protocol.KindSystem {
				continue
			}
			k := [2]string{e.OriginID, e.Text}
			if said[k]++; said[k] > s.said[k] {
				s.t.Fatalf("%s's log holds %q of %s %d times, said %d times", n.name, e.Text, s.nodes[e.OriginID].name, said[k], s.said[k])
			}
		}
	}
}

// holdsCommitted counts the committed messages of origin with this text in n.
func holdsCommitted(n *simNode, origin, text string) int {
	k := 0
	for _, e := range committedEntries(n) {
		if e.OriginID == origin && e.Text == text && e.Kind != protocol.KindSystem {
			k++
		}
	}
	return k
}
