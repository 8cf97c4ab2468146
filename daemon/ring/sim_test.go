package ring

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ringchat/ring/protocol"
)

// sim runs machines over a simulated network: FIFO links, deliveries in an
// order chosen by a seeded random source, every message through the real
// codec. Each directed link has a state (linkState): it may be cut
// (frames vanish, as behind a blackhole route), hold its frames until the
// cut heals (a TCP connection that survives the cut), or lose a share of
// them. The invariant checker (invariants_test.go) runs after every step.
type sim struct {
	t      testing.TB
	rng    *rand.Rand
	nodes  map[string]*simNode
	order  []string // node ids in creation order
	links  map[[2]string][]simMsg
	used   map[[2]string]bool // from -> to links that carried traffic (open connections)
	state  map[[2]string]linkState
	counts map[protocol.MsgType]int
	steps  int
	trace  func(format string, args ...any) // if set, logs every delivery and event
	said   map[[2]string]int                // (origin id, text) -> times submitted
	check  *checker
	clock  int64 // the nodes' wall clock: steps, and never the same twice
	// batch, when set, makes a node take several messages before its output
	// is collected, as the driver does (daemon.Node.step): after a message
	// the output stays in the machine unless it has news or batch draws 0 of 3.
	batch *rand.Rand
}

// linkState is what a directed link does to the frames sent over it.
type linkState struct {
	cut  bool    // frames vanish (blackhole)
	hold bool    // frames wait until heal, then arrive late
	loss float64 // share of frames lost
}

type simNode struct {
	name   string
	info   protocol.NodeInfo
	m      *Machine
	log    *MemLog
	alive  bool
	hung   bool // silent: takes no input and sends nothing, but its connections stay open
	events []Event
	// what the driver kept when it was killed, for restart
	saved  Saved
	outbox []Pending
	// the checker's progress through this node's events and history
	scanned int
	ring    string
	checked uint64 // commit point checked against the ledger
}

type simMsg struct {
	payload []byte
	typ     protocol.MsgType
	down    *protocol.NodeInfo // a connection failure report instead of a message
}

func newSim(t testing.TB, seed uint64) *sim {
	s := &sim{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		nodes: map[string]*simNode{}, links: map[[2]string][]simMsg{},
		used: map[[2]string]bool{}, state: map[[2]string]linkState{}, counts: map[protocol.MsgType]int{},
		said: map[[2]string]int{},
	}
	s.check = newChecker(s)
	return s
}

// add creates a detached node; ids follow creation order unless given.
func (s *sim) add(name, id string) *simNode {
	if id == "" {
		id = fmt.Sprintf("%016x", len(s.order)+1)
	}
	info := protocol.NodeInfo{ID: id, Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", 7000+len(s.order))}
	log := &MemLog{}
	n := &simNode{name: name, info: info, log: log, alive: true,
		m: New(Config{Self: info, Log: log, FailureTicks: 5, Now: s.now})}
	s.nodes[id] = n
	s.order = append(s.order, id)
	return n
}

// now is the wall clock the nodes see: it follows the steps and never
// repeats, so rings founded at the same step have different ids.
func (s *sim) now() int64 {
	s.clock = max(s.clock+1, int64(s.steps)*1000)
	return s.clock
}

func (s *sim) byName(name string) *simNode {
	for _, id := range s.order {
		if s.nodes[id].name == name {
			return s.nodes[id]
		}
	}
	s.t.Fatalf("no node %q", name)
	return nil
}

func (s *sim) byAddr(addr string) *simNode {
	for _, n := range s.nodes {
		if n.info.Addr == addr {
			return n
		}
	}
	return nil
}

// collect moves a node's output onto the network.
func (s *sim) collect(n *simNode) {
	r := n.m.Ready()
	n.events = append(n.events, r.Events...)
	if s.trace != nil {
		for _, e := range r.Events {
			s.trace("    %s event %T %+v", n.name, e, e)
		}
	}
	for _, o := range r.Messages {
		var dst *simNode
		if o.To.ID != "" {
			dst = s.nodes[o.To.ID]
		} else {
			dst = s.byAddr(o.To.Addr)
		}
		if dst == nil || !dst.alive {
			if dst != nil && s.state[[2]string{n.info.ID, dst.info.ID}].cut {
				continue // a dial into a blackhole: no answer at all
			}
			to := o.To
			key := [2]string{n.info.ID, n.info.ID}
			s.links[key] = append(s.links[key], simMsg{down: &to})
			continue
		}
		payload, err := protocol.Encode(o.Lamport, n.info.ID, o.Epoch, o.Msg)
		if err != nil {
			s.t.Fatalf("%s encodes %T: %v", n.name, o.Msg, err)
		}
		s.counts[o.Msg.Type()]++
		key := [2]string{n.info.ID, dst.info.ID}
		st := s.state[key]
		if st.cut || (st.loss > 0 && s.rng.Float64() < st.loss) {
			if s.trace != nil {
				s.trace("    %s -> %s %T lost", n.name, dst.name, o.Msg)
			}
			continue
		}
		s.used[key] = true
		s.links[key] = append(s.links[key], simMsg{payload: payload, typ: o.Msg.Type()})
	}
	s.check.after(n)
}

// deliverable says whether link k may deliver its next frame now.
func (s *sim) deliverable(k [2]string) bool {
	return len(s.links[k]) > 0 && !s.nodes[k[1]].hung && !s.state[k].hold
}

// step delivers one message from a randomly chosen link; false if none.
func (s *sim) step() bool {
	var keys [][2]string
	for k := range s.links {
		if s.deliverable(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return s.batch != nil && s.collectAll() && s.step()
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := cmpStr(a[0], b[0]); c != 0 {
			return c
		}
		return cmpStr(a[1], b[1])
	})
	k := keys[s.rng.IntN(len(keys))]
	msg := s.links[k][0]
	s.links[k] = s.links[k][1:]
	s.steps++
	src, dst := s.nodes[k[0]], s.nodes[k[1]]
	if msg.down != nil {
		if s.trace != nil {
			s.trace("  %s: connection to %s down", src.name, msg.down.Addr)
		}
		if src.alive {
			src.m.PeerDown(*msg.down, "connection closed")
			s.collect(src)
		}
		return true
	}
	if !dst.alive {
		return true
	}
	h, m, err := protocol.Decode(msg.payload)
	if err != nil {
		s.t.Fatalf("decode: %v", err)
	}
	if s.trace != nil {
		s.trace("  %s -> %s e%d %T %+v", src.name, dst.name, h.Epoch, m, m)
	}
	dst.m.Step(h, m)
	if s.batch == nil || dst.m.HasNews() || s.batch.IntN(3) == 0 {
		s.collect(dst)
	} else {
		s.check.after(dst)
	}
	return true
}

// collectAll collects every running node's output; it reports whether any
// message went onto the network.
func (s *sim) collectAll() bool {
	before := 0
	for _, q := range s.links {
		before += len(q)
	}
	after := 0
	for _, id := range s.order {
		if n := s.nodes[id]; n.alive && !n.hung {
			s.collect(n)
		}
	}
	for _, q := range s.links {
		after += len(q)
	}
	return after > before
}

// inFlight says whether a message of one of these types waits in a link to
// a running node.
func (s *sim) inFlight(types ...protocol.MsgType) bool {
	for k, q := range s.links {
		if dst := s.nodes[k[1]]; !dst.alive || dst.hung {
			continue
		}
		for _, m := range q {
			if m.down == nil && slices.Contains(types, m.typ) {
				return true
			}
		}
	}
	return false
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// settle delivers until the network is quiet.
func (s *sim) settle() {
	for i := 0; s.step(); i++ {
		if i > 2_000_000 {
			s.t.Fatal("network never settled")
		}
	}
}

// tick advances every live node's clock once, then settles.
func (s *sim) tick() {
	for _, id := range s.order {
		if n := s.nodes[id]; n.alive && !n.hung {
			n.m.Tick()
			s.collect(n)
		}
	}
	s.settle()
}

// kill crashes a node: its queued traffic is lost and every node with a
// connection to it (either way) that the network still reaches sees that
// connection close.
func (s *sim) kill(n *simNode) {
	n.alive = false
	n.hung = false
	n.saved, n.outbox = n.m.Saved(), n.m.Outbox()
	for k := range s.links {
		if k[0] == n.info.ID || k[1] == n.info.ID {
			kept := s.links[k][:0]
			for _, m := range s.links[k] {
				if m.down != nil && k[0] != n.info.ID {
					kept = append(kept, m)
				}
			}
			s.links[k] = kept
		}
	}
	var peers []string
	for k := range s.used {
		var peer string
		switch {
		case k[0] == k[1]:
			continue
		case k[1] == n.info.ID:
			peer = k[0]
		case k[0] == n.info.ID:
			peer = k[1]
		default:
			continue
		}
		delete(s.used, k)
		if !slices.Contains(peers, peer) && !s.state[[2]string{n.info.ID, peer}].cut {
			peers = append(peers, peer)
		}
	}
	slices.Sort(peers) // map order must not leak into the run
	for _, id := range peers {
		if src := s.nodes[id]; src.alive && !src.hung {
			src.m.PeerDown(n.info, "connection closed")
			s.collect(src)
		}
	}
}

// restart runs a killed node again on what it kept: its log, its saved
// state and outbox. It goes back to its ring by itself (Resume).
func (s *sim) restart(n *simNode) {
	if n.alive {
		s.t.Fatalf("%s runs; kill it first", n.name)
	}
	n.m = New(Config{Self: n.info, Log: n.log, FailureTicks: 5, Now: s.now})
	n.m.Restore(n.saved, n.outbox)
	n.alive = true
	n.m.Resume()
	s.collect(n)
}

// hang makes a node silent: it stops taking input and ticking, messages to it
// wait in their links, and no connection closes; only timeouts find it out.
func (s *sim) hang(n *simNode) { n.hung = true }

// resume wakes a hung node: it reads what waited for it and ticks again.
func (s *sim) resume(n *simNode) { n.hung = false }

// setLinks sets the links from every node of from to every node of to.
func (s *sim) setLinks(from, to []*simNode, st linkState) {
	for _, a := range from {
		for _, b := range to {
			if a == b {
				continue
			}
			k := [2]string{a.info.ID, b.info.ID}
			if st.cut {
				s.links[k] = nil // what was under way is lost with the connection
			}
			s.state[k] = st
		}
	}
	s.check.cutChanged()
}

// reset closes the connections between a and b: both see them go down.
func (s *sim) reset(a, b *simNode) {
	for _, p := range [][2]*simNode{{a, b}, {b, a}} {
		k := [2]string{p[0].info.ID, p[1].info.ID}
		s.links[k] = nil
		delete(s.used, k)
		if p[0].alive && !p[0].hung {
			p[0].m.PeerDown(p[1].info, "connection reset")
			s.collect(p[0])
		}
	}
}

// heal makes every link whole again; held frames arrive now.
func (s *sim) heal() {
	s.state = map[[2]string]linkState{}
	s.check.cutChanged()
}

// alive are the nodes that run: neither killed nor hung.
func (s *sim) alive() []*simNode {
	var out []*simNode
	for _, id := range s.order {
		if n := s.nodes[id]; n.alive && !n.hung {
			out = append(out, n)
		}
	}
	return out
}

// checkAgreement asserts that live members agree on leader, epoch and view,
// and that their committed histories agree.
func (s *sim) checkAgreement() {
	s.t.Helper()
	var ref *simNode
	for _, n := range s.alive() {
		if n.m.State() == Detached {
			continue
		}
		if n.m.State() != Member {
			s.t.Fatalf("%s is %s, not member", n.name, n.m.State())
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.m.Leader().ID != ref.m.Leader().ID || n.m.Epoch() != ref.m.Epoch() {
			s.t.Fatalf("%s follows %s@%d but %s follows %s@%d", n.name, n.m.Leader().Name, n.m.Epoch(), ref.name, ref.m.Leader().Name, ref.m.Epoch())
		}
		if !slices.Equal(n.m.View().Members, ref.m.View().Members) {
			s.t.Fatalf("views differ: %s %v, %s %v", n.name, n.m.View().Members, ref.name, ref.m.View().Members)
		}
	}
	s.checkLogs()
}

// checkLogs asserts that every node's committed history is a prefix of
// the longest one.
func (s *sim) checkLogs() {
	s.t.Helper()
	var longest []protocol.Entry
	for _, id := range s.order {
		if l := committedEntries(s.nodes[id]); len(l) > len(longest) {
			longest = l
		}
	}
	for _, id := range s.order {
		n := s.nodes[id]
		for i, e := range committedEntries(n) {
			if longest[i].OriginID != e.OriginID || longest[i].OriginCounter != e.OriginCounter || e.Seq != longest[i].Seq {
				s.t.Fatalf("%s's log differs at %d: %+v vs %+v", n.name, i, e, longest[i])
			}
		}
	}
}

// committedEntries are the entries of n's log up to its commit point.
func committedEntries(n *simNode) []protocol.Entry {
	c := n.m.Commit()
	i := 0
	for i < len(n.log.Entries) && n.log.Entries[i].Seq <= c {
		i++
	}
	return n.log.Entries[:i]
}

// texts are the texts of n's committed entries.
func texts(l *MemLog) []string {
	var out []string
	for _, e := range l.Entries {
		out = append(out, e.Text)
	}
	return out
}
