package ring_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// command runs one script line; w[0] is its verb.
type command func(r *runner, w []string)

// commands are the script's verbs (scenario_test.go describes them).
var commands = map[string]command{
	"nodes":        cmdNodes,
	"found":        cmdFound,
	"join":         cmdJoin,
	"form":         cmdForm,
	"settle":       func(r *runner, _ []string) { r.s.Settle() },
	"cut":          cmdCut,
	"hold":         cmdCut,
	"drop":         cmdDrop,
	"reset":        cmdReset,
	"heal":         func(r *runner, _ []string) { r.s.Heal() },
	"revive":       cmdRevive,
	"converge":     cmdConverge,
	"reform":       cmdReform,
	"step":         cmdStep,
	"say":          cmdSay,
	"tick":         cmdTick,
	"kill":         eachNode((*ringtest.Sim).Kill),
	"hang":         eachNode((*ringtest.Sim).Hang),
	"resume":       eachNode((*ringtest.Sim).Resume),
	"restart":      eachNode((*ringtest.Sim).Restart),
	"leave":        cmdLeave,
	"elect":        eachNode(elect),
	"elect-all":    cmdElectAll,
	"safety":       cmdSafety,
	"batch":        func(r *runner, _ []string) { r.s.Batch = rand.New(rand.NewPCG(r.seed, 0xba7c4)) },
	"lagcommit":    func(r *runner, _ []string) { r.s.SetLagCommit() },
	"reset-counts": func(r *runner, _ []string) { r.s.Counts = map[protocol.MsgType]int{} },
	"check":        func(r *runner, _ []string) { r.s.CheckInvariants() },
	"expect":       cmdExpect,
}

// eachNode is a verb that does f to every node it names, at least one.
func eachNode(f func(*ringtest.Sim, *ringtest.Node)) command {
	return func(r *runner, w []string) {
		r.argc(w, 1)
		for _, n := range r.nodes(w[1:]) {
			f(r.s, n)
		}
	}
}

func cmdNodes(r *runner, w []string) {
	r.argc(w, 1)
	s := r.s
	for _, spec := range w[1:] {
		name, id, _ := strings.Cut(spec, "=")
		if slices.ContainsFunc(s.Order, func(i string) bool { return s.Nodes[i].Name == name }) {
			r.fail("node %s exists", name)
		}
		if _, dup := s.Nodes[id]; dup && id != "" {
			r.fail("id %s exists", id)
		}
		s.Add(name, id)
	}
}

func cmdFound(r *runner, w []string) {
	r.argc(w, 1)
	n := r.node(w[1])
	n.M.Found()
	r.s.Collect(n)
}

func cmdJoin(r *runner, w []string) {
	r.argc(w, 2)
	n, via := r.node(w[1]), r.node(w[2])
	n.M.Join(protocol.NodeInfo{Addr: via.Info.Addr})
	r.s.Collect(n)
}

func cmdForm(r *runner, w []string) {
	r.argc(w, 1)
	s := r.s
	ns := r.nodes(w[1:])
	ns[0].M.Found()
	s.Collect(ns[0])
	s.Settle()
	for i, n := range ns[1:] {
		n.M.Join(protocol.NodeInfo{Addr: ns[i].Info.Addr})
		s.Collect(n)
		s.Settle()
	}
}

// cmdCut is cut and hold: "a b | c d" both ways, "a b -> c d" one way.
func cmdCut(r *runner, w []string) {
	r.argc(w, 2)
	from, to, oneWay := r.parts(w[1:])
	st := ringtest.LinkState{Cut: w[0] == "cut", Hold: w[0] == "hold"}
	r.s.SetLinks(from, to, st)
	if !oneWay {
		r.s.SetLinks(to, from, st)
	}
}

// parts reads "a b | c d" or "a b -> c d".
func (r *runner) parts(words []string) (from, to []*ringtest.Node, oneWay bool) {
	i := slices.IndexFunc(words, func(w string) bool { return w == "|" || w == "->" })
	if i <= 0 || i == len(words)-1 {
		r.fail("want two parts: a b | c d, or a -> b")
	}
	return r.nodes(words[:i]), r.nodes(words[i+1:]), words[i] == "->"
}

func cmdDrop(r *runner, w []string) {
	r.argc(w, 3)
	a, b := r.node(w[1]), r.node(w[2])
	p, err := strconv.ParseFloat(w[3], 64)
	if err != nil || p < 0 || p > 1 {
		r.fail("bad loss rate %q", w[3])
	}
	r.s.SetLinks([]*ringtest.Node{a}, []*ringtest.Node{b}, ringtest.LinkState{Loss: p})
	r.s.SetLinks([]*ringtest.Node{b}, []*ringtest.Node{a}, ringtest.LinkState{Loss: p})
}

func cmdReset(r *runner, w []string) {
	r.argc(w, 2)
	r.s.Reset(r.node(w[1]), r.node(w[2]))
}

func cmdRevive(r *runner, _ []string) {
	for _, id := range r.s.Order {
		switch n := r.s.Nodes[id]; {
		case !n.Alive:
			r.s.Restart(n)
		case n.Hung:
			r.s.Resume(n)
		}
	}
}

func cmdConverge(r *runner, w []string) {
	limit := 400
	if len(w) > 1 {
		limit = r.num(w[1])
	}
	for i := 0; ; i++ {
		r.rejoinDetached()
		ok, why := r.s.Converged()
		if ok {
			break
		}
		if i >= limit {
			r.fail("not one ring after %d ticks: %s%s", limit, why, r.s.Describe())
		}
		r.s.Tick()
	}
}

// rejoinDetached makes every running detached node join through the leader,
// as its user would; with no ring at all, one of them founds one.
func (r *runner) rejoinDetached() {
	s := r.s
	for _, n := range s.Alive() {
		if n.M.State() != ring.Detached {
			continue
		}
		if l := s.SomeLeader(); l != nil {
			n.M.Join(protocol.NodeInfo{Addr: l.Info.Addr})
		} else if len(s.Members()) == 0 && !s.AnyJoining() {
			n.M.Found()
		} else {
			continue
		}
		s.Collect(n)
		s.Settle()
	}
}

func cmdReform(r *runner, w []string) {
	r.argc(w, 1)
	n := r.node(w[1])
	if why := n.M.Reform(); why != "" {
		r.fail("%s refuses to reform: %s", n.Name, why)
	}
	r.s.Collect(n)
}

func cmdStep(r *runner, w []string) {
	r.argc(w, 1)
	for range r.num(w[1]) {
		if !r.s.Step() {
			break
		}
	}
}

func cmdSay(r *runner, w []string) {
	r.argc(w, 2)
	n := r.node(w[1])
	text := strings.Join(w[2:], " ")
	r.s.Said[[2]string{n.Info.ID, text}]++
	n.M.Submit(protocol.KindChat, "", text)
	r.s.Collect(n)
}

func cmdTick(r *runner, w []string) {
	k := 1
	if len(w) > 1 {
		k = r.num(w[1])
	}
	for range k {
		r.s.Tick()
	}
}

func cmdLeave(r *runner, w []string) {
	r.argc(w, 1)
	n := r.node(w[1])
	n.M.Leave()
	r.s.Collect(n)
}

// elect makes a node start an election, as a lost leader would.
func elect(s *ringtest.Sim, n *ringtest.Node) {
	ring.StartElection(n.M, "scripted")
	ring.Flush(n.M)
	s.Collect(n)
}

func cmdElectAll(r *runner, _ []string) {
	for _, n := range r.s.Alive() {
		if st := n.M.State(); st == ring.Member || st == ring.Electing {
			elect(r.s, n)
		}
	}
}

func cmdSafety(r *runner, w []string) {
	r.argc(w, 1)
	switch w[1] {
	case "on", "off":
		r.s.Check.Off = w[1] == "off"
	default:
		r.fail("safety on or off")
	}
}

func cmdExpect(r *runner, w []string) {
	r.argc(w, 1)
	r.expect(w[1:])
}
