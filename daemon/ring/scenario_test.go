package ring

// Scripted scenarios: small text files in testdata/scenarios replayed on the
// simulator, each under several seeds (delivery orders). The language, one
// command a line, '#' starts a comment, "double quotes" group words:
//
//	seed N                 first seed (default 1)
//	seeds K                how many seeds to run, N .. N+K-1 (default 20)
//	nodes a b c=00..ff     create detached nodes, optionally with explicit ids
//	                       (ids order elections when histories are equal)
//	found a                a founds a new ring
//	join b a               b joins through a (a's address only)
//	form a b c ...         a founds, each next one joins through the one before,
//	                       settling after each: the ring order is as listed
//	settle                 deliver until the network is quiet
//	step N                 deliver at most N messages
//	say b some text        b submits a chat message
//	tick [N]               N ticks (default 1), settling after each
//	kill a                 crash: a stops, its queued traffic is lost, every
//	                       connection to it closes
//	hang a                 a goes silent: no input, no ticks, no closed
//	                       connection; only timeouts find it out
//	resume a               a hung node runs again and reads what waited for it
//	restart a              a killed node runs again on its log, saved state and
//	                       outbox, and goes back to its ring by itself
//	leave b                b leaves gracefully
//	elect a [b ...]        these nodes start an election now (startElection)
//	elect-all              every running ring member starts an election at once
//	reset-counts           zero the message counters
//	cut a b | c d          cut every link between the parts, both ways: frames
//	                       vanish, as behind a blackhole route (nodes named in
//	                       no part keep their links)
//	cut a b -> c           cut only the links from a and b to c
//	hold a | b c           like cut, but frames wait and arrive at the heal
//	drop a b 0.1           lose that share of the frames between a and b
//	reset a b              the connections between a and b close (both see it)
//	heal                   every link whole again; held frames arrive
//	revive                 restart every killed node, resume every hung one
//	converge [N]           tick (at most N times, default 400) until the
//	                       running nodes form one ring with nothing pending;
//	                       detached ones join it, as their users would
//	reform a               a's operator forces a new view (ringctl reform)
//	check                  the invariants (see checkInvariants); the safety
//	                       checks (invariants_test.go) run after every step,
//	                       unless turned off by
//	safety off|on          (after a reform, which may lose what only the
//	                       dropped members held)
//	batch                  from now on a node may take several messages before
//	                       its output is sent, as the daemon's driver does
//	expect leader c        every running member follows c, and c leads
//	expect leader-in a b   the leader is one of these
//	expect epoch[op] N     every running member's epoch; op is one of = <= >=
//	expect members a b c   every running member's view holds exactly these
//	expect ring a b c      ... in this ring order (up to rotation)
//	expect log b "text"    b's committed history holds text exactly once
//	expect log-all "text"  every running member's committed history holds text
//	                       exactly once
//	expect nolog b "text"  b's history does not hold text
//	expect commit b[op] N  b's commit point
//	expect acked b "text"  b's message text was acknowledged (Acked)
//	expect presence b E    in every running member's log, the last presence
//	                       event about b is E (joined, left, died, leader)
//	expect pending b N     b has N messages not yet sequenced
//	expect state b S       b's state (detached, joining, member, electing,
//	                       no-quorum, leaving)
//	expect elections[op] N ElectionStarted events so far, over all nodes
//	expect count T[op] N   messages of type T (Election, Elected, View, ...)
//	                       since the last reset-counts
//
// Where a command or expectation names a node, these pick one when the line
// runs (by a generator seeded with the seed; the line is skipped if there is
// none): @member (a running ring member), @leader (the leader the running
// members follow), @detached (a running detached node), @node (any running
// node), @hung (a hung node), @killed (a killed node).
//
// Every scenario ends with settle and check.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ringchat/ring/protocol"
)

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	for _, f := range files {
		sc, err := parseScenario(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for seed := sc.seed; seed < sc.seed+uint64(sc.seeds); seed++ {
				runScenario(t, sc, seed)
				if t.Failed() {
					return
				}
			}
		})
	}
}

type scenario struct {
	name  string
	seed  uint64
	seeds int
	lines []scriptLine
}

type scriptLine struct {
	no     int
	words  []string
	source string
}

func parseScenario(path string) (*scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := &scenario{name: strings.TrimSuffix(filepath.Base(path), ".txt"), seed: 1, seeds: 20}
	for i, raw := range strings.Split(string(data), "\n") {
		line := raw
		if j := strings.IndexByte(line, '#'); j >= 0 && !strings.Contains(line[:j], `"`) {
			line = line[:j]
		}
		words, err := splitWords(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		if len(words) == 0 {
			continue
		}
		switch words[0] {
		case "seed", "seeds":
			if len(words) != 2 {
				return nil, fmt.Errorf("%s:%d: %s takes one number", path, i+1, words[0])
			}
			n, err := strconv.ParseUint(words[1], 10, 64)
			if err != nil || (words[0] == "seeds" && (n == 0 || n > 1000)) {
				return nil, fmt.Errorf("%s:%d: bad number %q", path, i+1, words[1])
			}
			if words[0] == "seed" {
				sc.seed = n
			} else {
				sc.seeds = int(n)
			}
			continue
		}
		sc.lines = append(sc.lines, scriptLine{no: i + 1, words: words, source: strings.TrimSpace(raw)})
	}
	return sc, nil
}

// splitWords splits on blanks; "double quotes" make one word.
func splitWords(line string) ([]string, error) {
	var words []string
	for {
		line = strings.TrimLeft(line, " \t\r")
		if line == "" {
			return words, nil
		}
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			words = append(words, line[1:1+end])
			line = line[end+2:]
			continue
		}
		end := strings.IndexAny(line, " \t\r")
		if end < 0 {
			end = len(line)
		}
		words = append(words, line[:end])
		line = line[end:]
	}
}

// runner replays one scenario under one seed.
type runner struct {
	t    testing.TB
	s    *sim
	rng  *rand.Rand // for @member and the like
	name string
	seed uint64
	line scriptLine
}

func runScenario(t *testing.T, sc *scenario, seed uint64) {
	t.Helper()
	r := &runner{t: t, name: sc.name, seed: seed, rng: rand.New(rand.NewPCG(seed, 0xa11ce))}
	r.s = newSim(&prefixTB{TB: t, r: r}, seed)
	if os.Getenv("RING_TRACE") != "" {
		r.s.trace = t.Logf
	}
	for _, l := range sc.lines {
		r.line = l
		words, ok := r.resolve(l.words)
		if !ok {
			continue
		}
		if r.s.trace != nil {
			r.s.trace("line %d: %s", l.no, strings.Join(words, " "))
		}
		r.exec(words)
		if t.Failed() {
			return
		}
	}
	r.line = scriptLine{source: "(final check)"}
	r.s.settle()
	r.s.checkInvariants()
}

// prefixTB names the scenario, seed and line in every failure.
type prefixTB struct {
	testing.TB
	r *runner
}

func (p *prefixTB) where() string {
	return fmt.Sprintf("%s seed %d line %d [%s]: ", p.r.name, p.r.seed, p.r.line.no, p.r.line.source)
}

func (p *prefixTB) Fatalf(format string, args ...any) {
	p.TB.Helper()
	p.TB.Fatalf(p.where()+format, args...)
}

func (p *prefixTB) Errorf(format string, args ...any) {
	p.TB.Helper()
	p.TB.Errorf(p.where()+format, args...)
}

func (p *prefixTB) Fatal(args ...any) {
	p.TB.Helper()
	p.TB.Fatal(p.where() + fmt.Sprint(args...))
}

func (r *runner) fail(format string, args ...any) {
	r.s.t.Fatalf(format, args...)
}

func (r *runner) node(name string) *simNode { return r.s.byName(name) }

// resolve replaces @member, @leader, @detached and @node by a node's name;
// false if there is no such node.
func (r *runner) resolve(words []string) ([]string, bool) {
	out := slices.Clone(words)
	for i, w := range out {
		var cands []*simNode
		switch w {
		case "@member":
			cands = r.s.members()
		case "@leader":
			for _, n := range r.s.members() {
				if n.m.IsLeader() {
					cands = append(cands, n)
				}
			}
		case "@detached":
			for _, n := range r.s.alive() {
				if n.m.State() == Detached {
					cands = append(cands, n)
				}
			}
		case "@node":
			cands = r.s.alive()
		case "@killed":
			for _, id := range r.s.order {
				if n := r.s.nodes[id]; !n.alive {
					cands = append(cands, n)
				}
			}
		case "@hung":
			for _, id := range r.s.order {
				if n := r.s.nodes[id]; n.alive && n.hung {
					cands = append(cands, n)
				}
			}
		default:
			continue
		}
		if len(cands) == 0 {
			return nil, false
		}
		out[i] = cands[r.rng.IntN(len(cands))].name
	}
	return out, true
}

func (r *runner) nodes(names []string) []*simNode {
	out := make([]*simNode, len(names))
	for i, n := range names {
		out[i] = r.node(n)
	}
	return out
}

func (r *runner) argc(words []string, n int) {
	if len(words)-1 < n {
		r.fail("%s needs %d arguments", words[0], n)
	}
}

func (r *runner) num(w string) int {
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 {
		r.fail("bad number %q", w)
	}
	return n
}

func (r *runner) exec(w []string) {
	s := r.s
	switch w[0] {
	case "nodes":
		r.argc(w, 1)
		for _, spec := range w[1:] {
			name, id, _ := strings.Cut(spec, "=")
			if slices.ContainsFunc(s.order, func(i string) bool { return s.nodes[i].name == name }) {
				r.fail("node %s exists", name)
			}
			if _, dup := s.nodes[id]; dup && id != "" {
				r.fail("id %s exists", id)
			}
			s.add(name, id)
		}
	case "found":
		r.argc(w, 1)
		n := r.node(w[1])
		n.m.Found()
		s.collect(n)
	case "join":
		r.argc(w, 2)
		n, via := r.node(w[1]), r.node(w[2])
		n.m.Join(protocol.NodeInfo{Addr: via.info.Addr})
		s.collect(n)
	case "form":
		r.argc(w, 1)
		ns := r.nodes(w[1:])
		ns[0].m.Found()
		s.collect(ns[0])
		s.settle()
		for i, n := range ns[1:] {
			n.m.Join(protocol.NodeInfo{Addr: ns[i].info.Addr})
			s.collect(n)
			s.settle()
		}
	case "settle":
		s.settle()
	case "cut", "hold":
		r.argc(w, 2)
		from, to, oneWay := r.parts(w[1:])
		st := linkState{cut: w[0] == "cut", hold: w[0] == "hold"}
		s.setLinks(from, to, st)
		if !oneWay {
			s.setLinks(to, from, st)
		}
	case "drop":
		r.argc(w, 3)
		a, b := r.node(w[1]), r.node(w[2])
		p, err := strconv.ParseFloat(w[3], 64)
		if err != nil || p < 0 || p > 1 {
			r.fail("bad loss rate %q", w[3])
		}
		s.setLinks([]*simNode{a}, []*simNode{b}, linkState{loss: p})
		s.setLinks([]*simNode{b}, []*simNode{a}, linkState{loss: p})
	case "reset":
		r.argc(w, 2)
		s.reset(r.node(w[1]), r.node(w[2]))
	case "heal":
		s.heal()
	case "revive":
		for _, id := range s.order {
			switch n := s.nodes[id]; {
			case !n.alive:
				s.restart(n)
			case n.hung:
				s.resume(n)
			}
		}
	case "converge":
		limit := 400
		if len(w) > 1 {
			limit = r.num(w[1])
		}
		for i := 0; ; i++ {
			r.rejoinDetached()
			ok, why := s.converged()
			if ok {
				break
			}
			if i >= limit {
				r.fail("not one ring after %d ticks: %s%s", limit, why, s.describe())
			}
			s.tick()
		}
	case "reform":
		r.argc(w, 1)
		n := r.node(w[1])
		if why := n.m.Reform(); why != "" {
			r.fail("%s refuses to reform: %s", n.name, why)
		}
		s.collect(n)
	case "step":
		r.argc(w, 1)
		for range r.num(w[1]) {
			if !s.step() {
				break
			}
		}
	case "say":
		r.argc(w, 2)
		n := r.node(w[1])
		text := strings.Join(w[2:], " ")
		s.said[[2]string{n.info.ID, text}]++
		n.m.Submit(protocol.KindChat, "", text)
		s.collect(n)
	case "tick":
		k := 1
		if len(w) > 1 {
			k = r.num(w[1])
		}
		for range k {
			s.tick()
		}
	case "kill":
		r.argc(w, 1)
		for _, n := range r.nodes(w[1:]) {
			s.kill(n)
		}
	case "hang":
		r.argc(w, 1)
		for _, n := range r.nodes(w[1:]) {
			s.hang(n)
		}
	case "resume":
		r.argc(w, 1)
		for _, n := range r.nodes(w[1:]) {
			s.resume(n)
		}
	case "restart":
		r.argc(w, 1)
		for _, n := range r.nodes(w[1:]) {
			s.restart(n)
		}
	case "leave":
		r.argc(w, 1)
		n := r.node(w[1])
		n.m.Leave()
		s.collect(n)
	case "elect":
		r.argc(w, 1)
		for _, n := range r.nodes(w[1:]) {
			s.elect(n)
		}
	case "elect-all":
		for _, n := range s.alive() {
			if st := n.m.State(); st == Member || st == Electing {
				s.elect(n)
			}
		}
	case "safety":
		r.argc(w, 1)
		switch w[1] {
		case "on", "off":
			s.check.off = w[1] == "off"
		default:
			r.fail("safety on or off")
		}
	case "batch":
		s.batch = rand.New(rand.NewPCG(r.seed, 0xba7c4))
	case "reset-counts":
		s.counts = map[protocol.MsgType]int{}
	case "check":
		s.checkInvariants()
	case "expect":
		r.argc(w, 1)
		r.expect(w[1:])
	default:
		r.fail("unknown command %q", w[0])
	}
}

// rejoinDetached makes every running detached node join through the leader,
// as its user would; with no ring at all, one of them founds one.
func (r *runner) rejoinDetached() {
	s := r.s
	for _, n := range s.alive() {
		if n.m.State() != Detached {
			continue
		}
		if l := s.someLeader(); l != nil {
			n.m.Join(protocol.NodeInfo{Addr: l.info.Addr})
		} else if len(s.members()) == 0 && !s.anyJoining() {
			n.m.Found()
		} else {
			continue
		}
		s.collect(n)
		s.settle()
	}
}

func (s *sim) anyJoining() bool {
	for _, n := range s.alive() {
		if n.m.State() == Joining {
			return true
		}
	}
	return false
}

// parts reads "a b | c d" or "a b -> c d".
func (r *runner) parts(words []string) (from, to []*simNode, oneWay bool) {
	i := slices.IndexFunc(words, func(w string) bool { return w == "|" || w == "->" })
	if i <= 0 || i == len(words)-1 {
		r.fail("want two parts: a b | c d, or a -> b")
	}
	return r.nodes(words[:i]), r.nodes(words[i+1:]), words[i] == "->"
}

// someLeader is the one running node that leads, nil if none or several do.
func (s *sim) someLeader() *simNode {
	var l *simNode
	for _, n := range s.alive() {
		if n.m.IsLeader() {
			if l != nil {
				return nil
			}
			l = n
		}
	}
	return l
}

// elect makes a node start an election, as a lost leader would.
func (s *sim) elect(n *simNode) {
	n.m.startElection("scripted")
	n.m.flush()
	s.collect(n)
}

// members are the running nodes attached to a ring (a joiner is not yet:
// it holds the history it had before).
func (s *sim) members() []*simNode {
	var out []*simNode
	for _, n := range s.alive() {
		if st := n.m.State(); st != Detached && st != Joining {
			out = append(out, n)
		}
	}
	return out
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

func (r *runner) expect(w []string) {
	s := r.s
	what, op := cutOp(w[0])
	args := w[1:]
	need := func(n int) {
		if len(args) < n {
			r.fail("expect %s needs %d arguments", what, n)
		}
	}
	switch what {
	case "leader", "leader-in":
		need(1)
		ms := s.members()
		if len(ms) == 0 {
			r.fail("no running members")
		}
		cands := r.nodes(args)
		for _, m := range ms {
			l := m.m.Leader()
			if !slices.ContainsFunc(cands, func(c *simNode) bool { return c.info.ID == l.ID }) {
				r.fail("%s follows %q (%s), want %v", m.name, l.Name, m.m.State(), args)
			}
		}
		if l := s.nodes[ms[0].m.Leader().ID]; !l.m.IsLeader() {
			r.fail("%s is followed but does not lead (%s)", l.name, l.m.State())
		}
	case "epoch":
		need(1)
		want := r.num(args[0])
		for _, m := range s.members() {
			if got := int(m.m.Epoch()); !compareOp(got, op, want) {
				r.fail("%s is in epoch %d, want %s%d", m.name, got, op, want)
			}
		}
	case "members", "ring":
		need(1)
		want := r.nodes(args)
		for _, m := range s.members() {
			v := m.m.View().Members
			var got []string
			for _, p := range v {
				got = append(got, s.nodes[p.ID].name)
			}
			ok := len(v) == len(want)
			if ok && what == "members" {
				for _, x := range want {
					ok = ok && slices.ContainsFunc(v, func(p protocol.NodeInfo) bool { return p.ID == x.info.ID })
				}
			} else if ok {
				at := slices.IndexFunc(v, func(p protocol.NodeInfo) bool { return p.ID == want[0].info.ID })
				ok = at >= 0
				for i := 0; ok && i < len(want); i++ {
					ok = v[(at+i)%len(v)].ID == want[i].info.ID
				}
			}
			if !ok {
				r.fail("%s's view is %v, want %s %v", m.name, got, what, args)
			}
		}
	case "log", "nolog":
		need(2)
		n := r.node(args[0])
		got := countText(n.log, args[1])
		if what == "log" {
			got = countCommitted(n, args[1])
		}
		if what == "log" && got != 1 {
			r.fail("%s's committed history holds %q %d times; log %q (commit %d)", n.name, args[1], got, texts(n.log), n.m.Commit())
		}
		if what == "nolog" && got != 0 {
			r.fail("%s's log holds %q", n.name, args[1])
		}
	case "log-all":
		need(1)
		ms := s.members()
		if len(ms) == 0 {
			r.fail("no running members")
		}
		for _, m := range ms {
			if got := countCommitted(m, args[0]); got != 1 {
				r.fail("%s's committed history holds %q %d times; log %q", m.name, args[0], got, texts(m.log))
			}
		}
	case "acked":
		need(2)
		n := r.node(args[0])
		if !slices.ContainsFunc(n.events, func(e Event) bool {
			a, ok := e.(Acked)
			return ok && a.Entry.Text == args[1]
		}) {
			r.fail("%s has no ack for %q", n.name, args[1])
		}
	case "presence":
		need(2)
		about := r.node(args[0])
		ms := s.members()
		if len(ms) == 0 {
			r.fail("no running members")
		}
		for _, m := range ms {
			if got := lastPresence(m.log, about.info.ID); got != args[1] {
				r.fail("%s's last presence event about %s is %q, want %q; log %q", m.name, about.name, got, args[1], texts(m.log))
			}
		}
	case "commit":
		need(2)
		n := r.node(args[0])
		if got, want := int(n.m.Commit()), r.num(args[1]); !compareOp(got, op, want) {
			r.fail("%s's commit point is %d, want %s%d", n.name, got, op, want)
		}
	case "pending":
		need(2)
		n := r.node(args[0])
		if got, want := n.m.Pending(), r.num(args[1]); !compareOp(got, op, want) {
			r.fail("%s has %d pending, want %s%d", n.name, got, op, want)
		}
	case "state":
		need(2)
		n := r.node(args[0])
		if got := string(n.m.State()); got != args[1] {
			r.fail("%s is %s, want %s", n.name, got, args[1])
		}
	case "elections":
		need(1)
		got := 0
		for _, id := range s.order {
			for _, e := range s.nodes[id].events {
				if _, ok := e.(ElectionStarted); ok {
					got++
				}
			}
		}
		if want := r.num(args[0]); !compareOp(got, op, want) {
			r.fail("%d elections started, want %s%d", got, op, want)
		}
	case "count":
		need(2)
		name, op := cutOp(args[0])
		got := -1
		for t := protocol.MsgType(1); t < 64; t++ {
			if t.String() == name {
				got = s.counts[t]
			}
		}
		if got < 0 {
			r.fail("no message type %q", name)
		}
		if want := r.num(args[1]); !compareOp(got, op, want) {
			r.fail("%d %s messages, want %s%d", got, name, op, want)
		}
	default:
		r.fail("unknown expectation %q", what)
	}
}

// lastPresence is the last presence event about the node with id in l, ""
// if none. Every presence event is a system entry by its leader.
func lastPresence(l *MemLog, id string) string {
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

func countCommitted(n *simNode, text string) int {
	k := 0
	for _, e := range committedEntries(n) {
		if e.Text == text {
			k++
		}
	}
	return k
}

func countText(l *MemLog, text string) int {
	n := 0
	for _, e := range l.Entries {
		if e.Text == text {
			n++
		}
	}
	return n
}

// describe prints every node's state, for a failing scenario.
func (s *sim) describe() string {
	var b strings.Builder
	for _, id := range s.order {
		n := s.nodes[id]
		m := n.m
		fmt.Fprintf(&b, "\n  %s alive=%v hung=%v %s leader=%s epoch=%d term=%d vote=%s commit=%d last=%d view=v%d%v pending=%d gone=%v",
			n.name, n.alive, n.hung, m.State(), s.nameOf(m.Leader().ID), m.Epoch(), m.term, s.nameOf(m.vote), m.Commit(), n.log.LastSeq(),
			m.View().Version, s.names(m.View().Members), m.Pending(), m.gone)
		for _, p := range m.sq.outbox {
			fmt.Fprintf(&b, "\n    outbox %s#%d ring=%q %q", s.nameOf(p.entry.OriginID), p.entry.OriginCounter, p.ring, p.entry.Text)
		}
		fmt.Fprintf(&b, "\n    changes=%v configs=%d handingOver=%v before=%v match=%v epochStart=%d", m.q.changes, len(m.q.configs), m.lv.handingOver, m.lv.before != nil, m.q.match, m.q.epochStart)
		fmt.Fprintf(&b, "\n    seen %v unsure=%v verify=%d el=%d part=%v started=%d tick=%d deferred=%v next=%s", m.sq.seen, m.sq.unsure, m.sq.verifySeq, m.el.epoch, m.el.participant, m.el.started, m.tick, m.el.deferred != nil, s.nameOf(m.Next().ID))
	}
	return b.String()
}

func (s *sim) nameOf(id string) string {
	if n := s.nodes[id]; n != nil {
		return n.name
	}
	return id
}

func (s *sim) names(ms []protocol.NodeInfo) []string {
	out := make([]string, len(ms))
	for i, p := range ms {
		out[i] = s.nameOf(p.ID)
	}
	return out
}
