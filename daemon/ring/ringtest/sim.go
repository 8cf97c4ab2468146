package ringtest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/protocol"
)

// Sim runs machines over a simulated network: FIFO links, deliveries in an
// order chosen by a seeded random source, every message through the real
// codec. Each directed link has a state (LinkState): it may be cut
// (frames vanish, as behind a blackhole route), hold its frames until the
// cut heals (a TCP connection that survives the cut), or lose a share of
// them. The invariant checker (Checker) runs after every step.
type Sim struct {
	T      testing.TB
	Nodes  map[string]*Node
	Order  []string                 // node ids in creation order
	Counts map[protocol.MsgType]int // messages sent, by type
	Said   map[[2]string]int        // (origin id, text) -> times submitted
	Check  *Checker
	Trace  func(format string, args ...any) // if set, logs every delivery and event
	// Batch, when set, makes a node take several messages before its output
	// is collected, as the driver does (daemon.Node.step): after a message
	// the output stays in the machine unless it has news or Batch draws 0 of 3.
	Batch *rand.Rand
	// lagCommit (SetLagCommit) makes a killed node lose what a store may
	// not have synced yet: the commit point and outbox deletes written since
	// the last cycle that appended entries or put an outbox item (the
	// driver's group of only those may still be in flight at a crash).
	lagCommit bool

	rng   *rand.Rand
	links map[[2]string][]frame
	used  map[[2]string]bool // from -> to links that carried traffic (open connections)
	state map[[2]string]LinkState
	steps int
	clock int64 // the nodes' wall clock: steps, and never the same twice
}

// LinkState is what a directed link does to the frames sent over it.
type LinkState struct {
	Cut  bool    // frames vanish (blackhole)
	Hold bool    // frames wait until heal, then arrive late
	Loss float64 // share of frames lost
}

// Node is one simulated node: its machine, its log and what it emitted.
type Node struct {
	Name   string
	Info   protocol.NodeInfo
	M      *ring.Machine
	Log    *ring.MemLog
	Alive  bool
	Hung   bool // silent: takes no input and sends nothing, but its connections stay open
	Events []ring.Event
	// what the driver kept when it was killed, for restart
	Saved  ring.Saved
	Outbox []ring.Pending
	// durable is what a store surely holds of the commit point and the
	// outbox (Sim.SetLagCommit)
	durable struct {
		commit, lastSeq uint64
		outbox          []ring.Pending
	}
	// the checker's progress through this node's events and history
	scanned int
	ring    string
	checked uint64 // commit point checked against the ledger
}

// frame is one message under way on a link, or a connection failure
// reported to its sender.
type frame struct {
	payload []byte
	typ     protocol.MsgType
	down    *protocol.NodeInfo // a connection failure report instead of a message
}

// New returns an empty network whose delivery order follows seed.
func New(t testing.TB, seed uint64) *Sim {
	s := &Sim{
		T: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		Nodes: map[string]*Node{}, links: map[[2]string][]frame{},
		used: map[[2]string]bool{}, state: map[[2]string]LinkState{}, Counts: map[protocol.MsgType]int{},
		Said: map[[2]string]int{},
	}
	s.Check = newChecker(s)
	return s
}

// Add creates a detached node; ids follow creation order unless given.
func (s *Sim) Add(name, id string) *Node {
	if id == "" {
		id = fmt.Sprintf("%016x", len(s.Order)+1)
	}
	info := protocol.NodeInfo{ID: id, Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", 7000+len(s.Order))}
	log := &ring.MemLog{}
	n := &Node{Name: name, Info: info, Log: log, Alive: true, M: s.newMachine(info, log)}
	s.Nodes[id] = n
	s.Order = append(s.Order, id)
	return n
}

// newMachine is a machine as the simulator makes them, on log.
func (s *Sim) newMachine(self protocol.NodeInfo, log ring.Log) *ring.Machine {
	return ring.New(ring.Config{Self: self, Log: log, FailureTicks: FailureTicks, Now: s.now})
}

// FailureTicks is the failure timeout of every simulated machine.
const FailureTicks = 5

// now is the wall clock the nodes see: it follows the steps and never
// repeats, so rings founded at the same step have different ids.
func (s *Sim) now() int64 {
	s.clock = max(s.clock+1, int64(s.steps)*1000)
	return s.clock
}

// ByName finds a node by name; the test fails if there is none.
func (s *Sim) ByName(name string) *Node {
	for _, id := range s.Order {
		if s.Nodes[id].Name == name {
			return s.Nodes[id]
		}
	}
	s.T.Fatalf("no node %q", name)
	return nil
}

func (s *Sim) byAddr(addr string) *Node {
	for _, n := range s.Nodes {
		if n.Info.Addr == addr {
			return n
		}
	}
	return nil
}

// Collect moves a node's output onto the network.
func (s *Sim) Collect(n *Node) {
	r := n.M.Ready()
	n.Events = append(n.Events, r.Events...)
	if s.Trace != nil {
		for _, e := range r.Events {
			s.Trace("    %s event %T %+v", n.Name, e, e)
		}
	}
	for _, o := range r.Messages {
		s.send(n, o)
	}
	if s.lagCommit {
		s.noteDurable(n, false)
	}
	s.Check.after(n)
}

// SetLagCommit turns lagCommit on, taking what every node holds now as
// durable.
func (s *Sim) SetLagCommit() {
	s.lagCommit = true
	for _, n := range s.Nodes {
		s.noteDurable(n, true)
	}
}

// noteDurable takes n's commit point and outbox as durable when the cycle
// wrote something a store syncs: entries, or an outbox item new or changed
// (a put; the driver writes one when a queued message is renumbered or
// moves to another ring). Deletes alone may wait.
func (s *Sim) noteDurable(n *Node, always bool) {
	ob := n.M.Outbox()
	d := &n.durable
	if always || n.Log.LastSeq() != d.lastSeq || outboxPuts(d.outbox, ob) {
		d.commit, d.lastSeq, d.outbox = n.M.Commit(), n.Log.LastSeq(), ob
	}
}

// outboxPuts says whether now holds an item that was not in before as it is.
func outboxPuts(before, now []ring.Pending) bool {
	type key struct {
		counter uint64
		ring    string
	}
	had := make(map[uint64]key, len(before))
	for _, p := range before {
		had[p.ID] = key{p.Entry.OriginCounter, p.Ring}
	}
	for _, p := range now {
		if k, ok := had[p.ID]; !ok || k != (key{p.Entry.OriginCounter, p.Ring}) {
			return true
		}
	}
	return false
}

// send puts one message of n on its link, or reports its failure to n.
func (s *Sim) send(n *Node, o ring.Outgoing) {
	var dst *Node
	if o.To.ID != "" {
		dst = s.Nodes[o.To.ID]
	} else {
		dst = s.byAddr(o.To.Addr)
	}
	if dst == nil || !dst.Alive {
		if dst != nil && s.state[[2]string{n.Info.ID, dst.Info.ID}].Cut {
			return // a dial into a blackhole: no answer at all
		}
		to := o.To
		key := [2]string{n.Info.ID, n.Info.ID}
		s.links[key] = append(s.links[key], frame{down: &to})
		return
	}
	payload, err := protocol.Encode(o.Lamport, n.Info.ID, o.Epoch, o.Msg)
	if err != nil {
		s.T.Fatalf("%s encodes %T: %v", n.Name, o.Msg, err)
	}
	s.Counts[o.Msg.Type()]++
	key := [2]string{n.Info.ID, dst.Info.ID}
	st := s.state[key]
	if st.Cut || (st.Loss > 0 && s.rng.Float64() < st.Loss) {
		if s.Trace != nil {
			s.Trace("    %s -> %s %T lost", n.Name, dst.Name, o.Msg)
		}
		return
	}
	s.used[key] = true
	s.links[key] = append(s.links[key], frame{payload: payload, typ: o.Msg.Type()})
}

// deliverable says whether link k may deliver its next frame now.
func (s *Sim) deliverable(k [2]string) bool {
	return len(s.links[k]) > 0 && !s.Nodes[k[1]].Hung && !s.state[k].Hold
}

// Step delivers one message from a randomly chosen link; false if none.
func (s *Sim) Step() bool {
	var keys [][2]string
	for k := range s.links {
		if s.deliverable(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return s.Batch != nil && s.CollectAll() && s.Step()
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	k := keys[s.rng.IntN(len(keys))]
	msg := s.links[k][0]
	s.links[k] = s.links[k][1:]
	s.steps++
	src, dst := s.Nodes[k[0]], s.Nodes[k[1]]
	if msg.down != nil {
		if s.Trace != nil {
			s.Trace("  %s: connection to %s down", src.Name, msg.down.Addr)
		}
		if src.Alive {
			src.M.PeerDown(*msg.down, "connection closed")
			s.Collect(src)
		}
		return true
	}
	if dst.Alive {
		s.deliver(src, dst, msg)
	}
	return true
}

// deliver feeds one frame from src to dst.
func (s *Sim) deliver(src, dst *Node, msg frame) {
	h, m, err := protocol.Decode(msg.payload)
	if err != nil {
		s.T.Fatalf("decode: %v", err)
	}
	if s.Trace != nil {
		s.Trace("  %s -> %s e%d %T %+v", src.Name, dst.Name, h.Epoch, m, m)
	}
	dst.M.Step(h, m)
	if s.Batch == nil || dst.M.HasNews() || s.Batch.IntN(3) == 0 {
		s.Collect(dst)
	} else {
		s.Check.after(dst)
	}
}

// CollectAll collects every running node's output; it reports whether any
// message went onto the network.
func (s *Sim) CollectAll() bool {
	before := s.queued()
	for _, n := range s.Alive() {
		s.Collect(n)
	}
	return s.queued() > before
}

func (s *Sim) queued() int {
	k := 0
	for _, q := range s.links {
		k += len(q)
	}
	return k
}

// InFlight says whether a message of one of these types waits in a link to
// a running node.
func (s *Sim) InFlight(types ...protocol.MsgType) bool {
	for k, q := range s.links {
		if dst := s.Nodes[k[1]]; !dst.Alive || dst.Hung {
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

// Take removes the frames waiting on the link from one node to another
// and returns them, encoded, as a test that intercepts them sees them.
func (s *Sim) Take(from, to *Node) [][]byte {
	k := [2]string{from.Info.ID, to.Info.ID}
	var out [][]byte
	for _, f := range s.links[k] {
		out = append(out, f.payload)
	}
	s.links[k] = nil
	return out
}

// Settle delivers until the network is quiet.
func (s *Sim) Settle() {
	for i := 0; s.Step(); i++ {
		if i > 2_000_000 {
			s.T.Fatal("network never settled")
		}
	}
}

// Tick advances every live node's clock once, then settles.
func (s *Sim) Tick() {
	for _, n := range s.Alive() {
		n.M.Tick()
		s.Collect(n)
	}
	s.Settle()
}
