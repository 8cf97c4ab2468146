package ringtest

import (
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// Checker asserts the ring's safety after every step of the simulator:
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
type Checker struct {
	// Off turns the checks off: what the checker cannot judge after a
	// reform (a forced view, which may lose what only the dropped members
	// held) it is told to skip.
	Off     bool
	s       *Sim
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
	by                 *Node
}

func newChecker(s *Sim) *Checker {
	return &Checker{s: s, leaders: map[ringEpoch]string{}, ledger: map[string]map[uint64]entryID{},
		limit: map[string]cutLimit{}}
}

func (c *Checker) fatalf(format string, args ...any) {
	c.s.T.Helper()
	c.s.T.Fatalf("invariant: "+format, args...)
}

// after checks node n, which just took an input or produced output.
func (c *Checker) after(n *Node) {
	c.s.T.Helper()
	acked := len(c.acks)
	c.scanEvents(n)
	if c.Off {
		n.checked = n.M.Commit()
		return
	}
	c.checkCommit(n)
	// A message is acknowledged only once committed: the ledger has it.
	for _, k := range c.acks[acked:] {
		if want, ok := c.ledger[k.ring][k.seq]; k.seq > n.Log.FloorSeq && (!ok || want != k.id) {
			c.fatalf("%s acknowledged %q at %d, which is not what its ring committed there (%+v, known %v)", n.Name, k.text, k.seq, want, ok)
		}
	}
}

func (c *Checker) scanEvents(n *Node) {
	c.s.T.Helper()
	for ; n.scanned < len(n.Events); n.scanned++ {
		switch e := n.Events[n.scanned].(type) {
		case ring.ViewChanged:
			if e.View.RingID != n.ring {
				n.ring, n.checked = e.View.RingID, 0
			}
		case ring.LeaderChanged:
			k := ringEpoch{n.ring, e.Epoch}
			if l, ok := c.leaders[k]; ok && l != e.Leader.ID && !c.Off {
				c.fatalf("two leaders in epoch %d of ring %s: %s and %s (seen by %s)", e.Epoch, n.ring, c.s.Nodes[l].Name, c.s.Nodes[e.Leader.ID].Name, n.Name)
			}
			c.leaders[k] = e.Leader.ID
			if e.Leader.ID == n.Info.ID && !c.Off {
				c.checkLeaderComplete(n, e.Epoch)
			}
		case ring.Acked:
			c.acks = append(c.acks, ackRec{ring: n.ring, origin: e.Entry.OriginID, text: e.Entry.Text, seq: e.Entry.Seq, id: idOf(e.Entry), by: n})
		case ring.HistoryYielded:
			if !c.Off {
				c.fatalf("%s cut its committed history from %d to %d, and no view was forced", n.Name, e.From, e.To)
			}
			n.checked = min(n.checked, e.From-1)
		}
	}
}

// checkCommit compares what n committed since the last check with the
// ledger, and checks that nothing it committed was cut.
func (c *Checker) checkCommit(n *Node) {
	c.s.T.Helper()
	rid := n.M.View().RingID
	if rid == "" || n.M.State() == ring.Detached && rid != n.ring {
		return
	}
	if rid != n.ring {
		n.ring, n.checked = rid, 0
	}
	if n.checked > 0 {
		if n.Log.LastSeq() < n.checked {
			c.fatalf("%s's history ends at %d, below the %d it had committed", n.Name, n.Log.LastSeq(), n.checked)
		}
		if e, ok := entryAt(n.Log, n.checked); ok {
			if want, ok := c.ledger[rid][n.checked]; ok && idOf(e) != want {
				c.fatalf("%s's committed entry %d was replaced: %+v, committed as %+v", n.Name, n.checked, idOf(e), want)
			}
		}
	}
	commit := n.M.Commit()
	if lim, ok := c.limit[n.Info.ID]; ok && lim.ring == rid && lim.version == n.M.CommittedViewSeq() && lim.latest == n.M.LatestViewSeq() && commit > lim.seq && commit > n.checked {
		c.fatalf("%s, cut off from a majority of its view, committed up to %d; a majority held only up to %d at the cut", n.Name, commit, lim.seq)
	}
	if c.ledger[rid] == nil {
		c.ledger[rid] = map[uint64]entryID{}
	}
	// A reform commits what its leader held below its view entry: those
	// entries are judged by the reformed view.
	var reformed []protocol.NodeInfo
	reformSeq := uint64(0)
	for seq := n.checked + 1; seq <= commit; seq++ {
		if e, ok := entryAt(n.Log, seq); ok && e.IsView() && e.Presence == protocol.PresenceReformed {
			reformed, reformSeq = e.Members, seq
			break
		}
	}
	for seq := n.checked + 1; seq <= commit; seq++ {
		e, ok := entryAt(n.Log, seq)
		if !ok {
			continue // below the floor: retention removed it
		}
		want, known := c.ledger[rid][seq]
		if known {
			if idOf(e) != want {
				c.fatalf("%s committed %+v at %d, but %+v was committed there before", n.Name, idOf(e), seq, want)
			}
			continue
		}
		if seq < reformSeq {
			c.checkHeldBy(n, e, reformed)
		} else {
			c.checkMajority(n, e)
		}
		c.ledger[rid][seq] = idOf(e)
	}
	n.checked = max(n.checked, commit)
}

// checkMajority: entry e, committed for the first time (by n), is held by a
// majority of the view in force at it; a view entry by a majority of the
// view before it too.
func (c *Checker) checkMajority(n *Node, e protocol.Entry) {
	c.s.T.Helper()
	v, ok := n.Log.ViewAt(e.Seq)
	if !ok {
		c.fatalf("%s committed %d (%q) with no view in force", n.Name, e.Seq, e.Text)
	}
	views := [][]protocol.NodeInfo{v.Members}
	// A founding entry is the first of its history; a reformed view needs
	// no majority of the view before (reform-*.txt).
	founding := e.Seq == n.Log.FloorSeq+1 && len(e.Members) == 1 && e.Members[0].ID == e.OriginID
	if e.IsView() && e.Presence != protocol.PresenceReformed && !founding {
		if v, ok := n.Log.ViewAt(e.Seq - 1); ok {
			views = append(views, v.Members)
		}
	}
	for _, members := range views {
		c.checkHeldBy(n, e, members)
	}
}

// checkHeldBy: e, committed by n, is held by a majority of members.
func (c *Checker) checkHeldBy(n *Node, e protocol.Entry, members []protocol.NodeInfo) {
	c.s.T.Helper()
	held := 0
	var holders []string
	for _, p := range members {
		if h := c.s.Nodes[p.ID]; h != nil {
			if got, ok := entryAt(h.Log, e.Seq); ok && idOf(got) == idOf(e) {
				held++
				holders = append(holders, h.Name)
			}
		}
	}
	if held < majority(len(members)) {
		c.fatalf("%s committed %d (%q) held by %v only, of a view of %d", n.Name, e.Seq, e.Text, holders, len(members))
	}
}

// checkLeaderComplete: a node that just became leader of epoch holds every
// entry its ring committed in the epochs before (Raft's leader
// completeness). In batch mode the event is seen late: what later epochs
// committed meanwhile is not its business.
func (c *Checker) checkLeaderComplete(n *Node, epoch uint64) {
	c.s.T.Helper()
	rid := n.M.View().RingID
	for seq, want := range c.ledger[rid] {
		if seq <= n.Log.FloorSeq || want.epoch >= epoch {
			continue
		}
		if e, ok := entryAt(n.Log, seq); !ok || idOf(e) != want {
			c.fatalf("%s leads epoch %d without committed entry %d (%+v); its history ends at %d", n.Name, epoch, seq, want, n.Log.LastSeq())
		}
	}
}

// cutChanged recomputes, for the cut now in force, which nodes are in a
// part without a majority of their view, and how far they may commit:
// what a majority stores right now.
func (c *Checker) cutChanged() {
	c.limit = map[string]cutLimit{}
	if len(c.s.state) == 0 {
		return
	}
	ids := c.s.Order
	part := map[string]int{}
	for i, id := range ids {
		part[id] = i
	}
	// Two nodes are in one part while frames flow either way between
	// them: through a one-way cut a node still hears the commit point.
	linked := func(a, b string) bool {
		x, y := c.s.state[[2]string{a, b}], c.s.state[[2]string{b, a}]
		return (!x.Cut && !x.Hold) || (!y.Cut && !y.Hold)
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
		n := c.s.Nodes[id]
		members := n.M.Configuration()
		in := 0
		for _, p := range members {
			if q, ok := part[p.ID]; ok && q == part[id] {
				in++
			}
		}
		if len(members) > 0 && in < majority(len(members)) {
			seq := c.committable(members, func(x string) bool { q, ok := part[x]; return ok && q == part[id] })
			c.limit[id] = cutLimit{seq: seq, ring: n.M.View().RingID, version: n.M.CommittedViewSeq(), latest: n.M.LatestViewSeq()}
		}
	}
}

// committable is the highest sequence number whose entry may still be
// committed by a part (inPart) cut off from the rest: its members may all
// come to hold it, the others only if they hold it already.
func (c *Checker) committable(members []protocol.NodeInfo, inPart func(id string) bool) uint64 {
	var top uint64
	for _, p := range members {
		if n := c.s.Nodes[p.ID]; n != nil {
			top = max(top, n.Log.LastSeq())
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
			if n := c.s.Nodes[p.ID]; n != nil && !inPart(p.ID) {
				if e, ok := entryAt(n.Log, seq); ok {
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
