package ring_test

import (
	"slices"
	"strings"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// expectation checks one "expect" line: what its name without the
// comparison, op that comparison ("=" if none), args the words after it.
type expectation struct {
	args int // how many words it needs at least
	run  func(r *runner, what, op string, args []string)
}

// expectations are the script's "expect" checks (scenario_test.go
// describes them).
var expectations = map[string]expectation{
	"leader":    {1, expectLeader},
	"leader-in": {1, expectLeader},
	"epoch":     {1, expectEpoch},
	"members":   {1, expectMembers},
	"ring":      {1, expectMembers},
	"log":       {2, expectLog},
	"nolog":     {2, expectLog},
	"log-all":   {1, expectLogAll},
	"acked":     {2, expectAcked},
	"presence":  {2, expectPresence},
	"commit":    {2, expectCommit},
	"pending":   {2, expectPending},
	"state":     {2, expectState},
	"elections": {1, expectElections},
	"count":     {2, expectCount},
	"gone":      {1, expectGone},
}

func (r *runner) expect(w []string) {
	what, op := cutOp(w[0])
	x, ok := expectations[what]
	if !ok {
		r.fail("unknown expectation %q", what)
	}
	if len(w)-1 < x.args {
		r.fail("expect %s needs %d arguments", what, x.args)
	}
	x.run(r, what, op, w[1:])
}

// cutOp splits "epoch<=" into "epoch" and "<=".
func cutOp(w string) (string, string) {
	for _, op := range []string{"<=", ">=", "="} {
		if name, ok := strings.CutSuffix(w, op); ok {
			return name, op
		}
	}
	return w, "="
}

func compareOp(got int, op string, want int) bool {
	switch op {
	case "<=":
		return got <= want
	case ">=":
		return got >= want
	}
	return got == want
}

// runningMembers are the running members; the line fails if there are none.
func (r *runner) runningMembers() []*ringtest.Node {
	ms := r.s.Members()
	if len(ms) == 0 {
		r.fail("no running members")
	}
	return ms
}

func expectLeader(r *runner, _, _ string, args []string) {
	ms := r.runningMembers()
	cands := r.nodes(args)
	for _, m := range ms {
		l := m.M.Leader()
		if !slices.ContainsFunc(cands, func(c *ringtest.Node) bool { return c.Info.ID == l.ID }) {
			r.fail("%s follows %q (%s), want %v", m.Name, l.Name, m.M.State(), args)
		}
	}
	if l := r.s.Nodes[ms[0].M.Leader().ID]; !l.M.IsLeader() {
		r.fail("%s is followed but does not lead (%s)", l.Name, l.M.State())
	}
}

func expectEpoch(r *runner, _, op string, args []string) {
	want := r.num(args[0])
	for _, m := range r.s.Members() {
		if got := int(m.M.Epoch()); !compareOp(got, op, want) {
			r.fail("%s is in epoch %d, want %s%d", m.Name, got, op, want)
		}
	}
}

// expectMembers is members (these, in any order) and ring (in this order,
// up to rotation).
func expectMembers(r *runner, what, _ string, args []string) {
	want := r.nodes(args)
	for _, m := range r.s.Members() {
		v := m.M.View().Members
		var got []string
		for _, p := range v {
			got = append(got, r.s.Nodes[p.ID].Name)
		}
		ok := len(v) == len(want)
		if ok && what == "members" {
			for _, x := range want {
				ok = ok && slices.ContainsFunc(v, func(p protocol.NodeInfo) bool { return p.ID == x.Info.ID })
			}
		} else if ok {
			at := slices.IndexFunc(v, func(p protocol.NodeInfo) bool { return p.ID == want[0].Info.ID })
			ok = at >= 0
			for i := 0; ok && i < len(want); i++ {
				ok = v[(at+i)%len(v)].ID == want[i].Info.ID
			}
		}
		if !ok {
			r.fail("%s's view is %v, want %s %v", m.Name, got, what, args)
		}
	}
}

// expectLog is log (the committed history holds the text once) and nolog
// (the history does not hold it at all).
func expectLog(r *runner, what, _ string, args []string) {
	n := r.node(args[0])
	got := countText(n.Log, args[1])
	if what == "log" {
		got = countCommitted(n, args[1])
	}
	if what == "log" && got != 1 {
		r.fail("%s's committed history holds %q %d times; log %q (commit %d)", n.Name, args[1], got, ringtest.Texts(n.Log), n.M.Commit())
	}
	if what == "nolog" && got != 0 {
		r.fail("%s's log holds %q", n.Name, args[1])
	}
}

func expectLogAll(r *runner, _, _ string, args []string) {
	for _, m := range r.runningMembers() {
		if got := countCommitted(m, args[0]); got != 1 {
			r.fail("%s's committed history holds %q %d times; log %q", m.Name, args[0], got, ringtest.Texts(m.Log))
		}
	}
}

func expectAcked(r *runner, _, _ string, args []string) {
	n := r.node(args[0])
	if !slices.ContainsFunc(n.Events, func(e ring.Event) bool {
		a, ok := e.(ring.Acked)
		return ok && a.Entry.Text == args[1]
	}) {
		r.fail("%s has no ack for %q", n.Name, args[1])
	}
}

func expectPresence(r *runner, _, _ string, args []string) {
	about := r.node(args[0])
	for _, m := range r.runningMembers() {
		if got := lastPresence(m.Log, about.Info.ID); got != args[1] {
			r.fail("%s's last presence event about %s is %q, want %q; log %q", m.Name, about.Name, got, args[1], ringtest.Texts(m.Log))
		}
	}
}

func expectCommit(r *runner, _, op string, args []string) {
	n := r.node(args[0])
	if got, want := int(n.M.Commit()), r.num(args[1]); !compareOp(got, op, want) {
		r.fail("%s's commit point is %d, want %s%d", n.Name, got, op, want)
	}
}

func expectPending(r *runner, _, op string, args []string) {
	n := r.node(args[0])
	if got, want := n.M.Pending(), r.num(args[1]); !compareOp(got, op, want) {
		r.fail("%s has %d pending, want %s%d", n.Name, got, op, want)
	}
}

func expectState(r *runner, _, _ string, args []string) {
	n := r.node(args[0])
	if got := string(n.M.State()); got != args[1] {
		r.fail("%s is %s, want %s", n.Name, got, args[1])
	}
}

func expectElections(r *runner, _, op string, args []string) {
	got := 0
	for _, id := range r.s.Order {
		for _, e := range r.s.Nodes[id].Events {
			if _, ok := e.(ring.ElectionStarted); ok {
				got++
			}
		}
	}
	if want := r.num(args[0]); !compareOp(got, op, want) {
		r.fail("%d elections started, want %s%d", got, op, want)
	}
}

func expectCount(r *runner, _, _ string, args []string) {
	name, op := cutOp(args[0])
	got := -1
	for t := protocol.MsgType(1); t < 64; t++ {
		if t.String() == name {
			got = r.s.Counts[t]
		}
	}
	if got < 0 {
		r.fail("no message type %q", name)
	}
	if want := r.num(args[1]); !compareOp(got, op, want) {
		r.fail("%d %s messages, want %s%d", got, name, op, want)
	}
}

// expectGone: the members the node marks gone (found dead or seen
// leave) are exactly the others named, none if it names no other.
func expectGone(r *runner, _, _ string, args []string) {
	n := r.node(args[0])
	var got []string
	for id, why := range n.M.Gone() {
		got = append(got, r.s.NameOf(id)+":"+why)
	}
	slices.Sort(got)
	ok := len(got) == len(args)-1
	for _, x := range r.nodes(args[1:]) {
		_, marked := n.M.Gone()[x.Info.ID]
		ok = ok && marked
	}
	if !ok {
		r.fail("%s marks %v gone, want %v", n.Name, got, args[1:])
	}
}

// lastPresence is the last presence event about the node with id in l, ""
// if none. Every presence event is a system entry by its leader.
func lastPresence(l *ring.MemLog, id string) string {
	for i := len(l.Entries) - 1; i >= 0; i-- {
		if e := l.Entries[i]; e.About.ID == id {
			if e.Kind != protocol.KindSystem || e.OriginID == "" {
				return "malformed: " + e.Text
			}
			return e.Presence
		}
	}
	return ""
}

func countCommitted(n *ringtest.Node, text string) int {
	k := 0
	for _, e := range ringtest.CommittedEntries(n) {
		if e.Text == text {
			k++
		}
	}
	return k
}

func countText(l *ring.MemLog, text string) int {
	n := 0
	for _, e := range l.Entries {
		if e.Text == text {
			n++
		}
	}
	return n
}
