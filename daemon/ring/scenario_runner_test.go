package ring_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
)

// runner replays one scenario under one seed.
type runner struct {
	t    testing.TB
	s    *ringtest.Sim
	rng  *rand.Rand // for @member and the like
	name string
	seed uint64
	line scriptLine
}

func runScenario(t *testing.T, sc *scenario, seed uint64) {
	t.Helper()
	r := &runner{t: t, name: sc.name, seed: seed, rng: rand.New(rand.NewPCG(seed, 0xa11ce))}
	r.s = ringtest.New(&prefixTB{TB: t, r: r}, seed)
	if os.Getenv("RING_TRACE") != "" {
		r.s.Trace = t.Logf
	}
	for _, l := range sc.lines {
		r.line = l
		words, ok := r.resolve(l.words)
		if !ok {
			continue
		}
		if r.s.Trace != nil {
			r.s.Trace("line %d: %s", l.no, strings.Join(words, " "))
		}
		r.exec(words)
		if t.Failed() {
			return
		}
	}
	r.line = scriptLine{source: "(final check)"}
	r.s.Settle()
	r.s.CheckInvariants()
}

// exec runs one command by its verb's handler.
func (r *runner) exec(w []string) {
	run, ok := commands[w[0]]
	if !ok {
		r.fail("unknown command %q", w[0])
	}
	run(r, w)
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
	r.s.T.Fatalf(format, args...)
}

func (r *runner) node(name string) *ringtest.Node { return r.s.ByName(name) }

func (r *runner) nodes(names []string) []*ringtest.Node {
	out := make([]*ringtest.Node, len(names))
	for i, n := range names {
		out[i] = r.node(n)
	}
	return out
}

// picks are the candidates of each @ word, in node order.
var picks = map[string]func(s *ringtest.Sim) []*ringtest.Node{
	"@member": (*ringtest.Sim).Members,
	"@leader": func(s *ringtest.Sim) []*ringtest.Node {
		return slices.DeleteFunc(s.Members(), func(n *ringtest.Node) bool { return !n.M.IsLeader() })
	},
	"@detached": func(s *ringtest.Sim) []*ringtest.Node {
		return slices.DeleteFunc(s.Alive(), func(n *ringtest.Node) bool { return n.M.State() != ring.Detached })
	},
	"@node": (*ringtest.Sim).Alive,
	"@killed": func(s *ringtest.Sim) []*ringtest.Node {
		return allNodes(s, func(n *ringtest.Node) bool { return !n.Alive })
	},
	"@hung": func(s *ringtest.Sim) []*ringtest.Node {
		return allNodes(s, func(n *ringtest.Node) bool { return n.Alive && n.Hung })
	},
}

// allNodes are the nodes, running or not, for which keep holds.
func allNodes(s *ringtest.Sim, keep func(*ringtest.Node) bool) []*ringtest.Node {
	var out []*ringtest.Node
	for _, id := range s.Order {
		if n := s.Nodes[id]; keep(n) {
			out = append(out, n)
		}
	}
	return out
}

// resolve replaces @member, @leader, @detached and @node by a node's name;
// false if there is no such node.
func (r *runner) resolve(words []string) ([]string, bool) {
	out := slices.Clone(words)
	for i, w := range out {
		pick, ok := picks[w]
		if !ok {
			continue
		}
		cands := pick(r.s)
		if len(cands) == 0 {
			return nil, false
		}
		out[i] = cands[r.rng.IntN(len(cands))].Name
	}
	return out, true
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
