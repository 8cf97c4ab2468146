package ringtest

import (
	"fmt"
	"strings"

	"github.com/ringchat/ring/daemon/ring"
)

// Alive are the nodes that run: neither killed nor hung.
func (s *Sim) Alive() []*Node {
	var out []*Node
	for _, id := range s.Order {
		if n := s.Nodes[id]; n.Alive && !n.Hung {
			out = append(out, n)
		}
	}
	return out
}

// Members are the running nodes attached to a ring (a joiner is not yet:
// it holds the history it had before).
func (s *Sim) Members() []*Node {
	var out []*Node
	for _, n := range s.Alive() {
		if st := n.M.State(); st != ring.Detached && st != ring.Joining {
			out = append(out, n)
		}
	}
	return out
}

// SomeLeader is the one running node that leads, nil if none or several do.
func (s *Sim) SomeLeader() *Node {
	var l *Node
	for _, n := range s.Alive() {
		if n.M.IsLeader() {
			if l != nil {
				return nil
			}
			l = n
		}
	}
	return l
}

// AnyJoining says whether a running node is joining.
func (s *Sim) AnyJoining() bool {
	for _, n := range s.Alive() {
		if n.M.State() == ring.Joining {
			return true
		}
	}
	return false
}

// NameOf is the name of the node with id, or id if there is none.
func (s *Sim) NameOf(id string) string {
	if n := s.Nodes[id]; n != nil {
		return n.Name
	}
	return id
}

// Describe prints every node's state, for a failing test.
func (s *Sim) Describe() string {
	var b strings.Builder
	for _, id := range s.Order {
		n := s.Nodes[id]
		fmt.Fprintf(&b, "\n  %s alive=%v hung=%v last=%d %s", n.Name, n.Alive, n.Hung, n.Log.LastSeq(), n.M.Describe(s.NameOf))
	}
	return b.String()
}
