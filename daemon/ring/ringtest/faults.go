package ringtest

import "slices"

// Kill crashes a node: its queued traffic is lost and every node with a
// connection to it (either way) that the network still reaches sees that
// connection close.
func (s *Sim) Kill(n *Node) {
	n.Alive = false
	n.Hung = false
	n.Saved, n.Outbox = n.M.Saved(), n.M.Outbox()
	if s.lagCommit {
		n.Saved.Commit = min(n.Saved.Commit, n.durable.commit)
		n.Outbox = n.durable.outbox
	}
	for k := range s.links {
		if k[0] == n.Info.ID || k[1] == n.Info.ID {
			kept := s.links[k][:0]
			for _, m := range s.links[k] {
				if m.down != nil && k[0] != n.Info.ID {
					kept = append(kept, m)
				}
			}
			s.links[k] = kept
		}
	}
	for _, id := range s.closeConnections(n) {
		if src := s.Nodes[id]; src.Alive && !src.Hung {
			src.M.PeerDown(n.Info, "connection closed")
			s.Collect(src)
		}
	}
}

// closeConnections forgets n's open connections and returns the peers
// that see them close (not across a cut), in order.
func (s *Sim) closeConnections(n *Node) []string {
	var peers []string
	for k := range s.used {
		var peer string
		switch {
		case k[0] == k[1]:
			continue
		case k[1] == n.Info.ID:
			peer = k[0]
		case k[0] == n.Info.ID:
			peer = k[1]
		default:
			continue
		}
		delete(s.used, k)
		if !slices.Contains(peers, peer) && !s.state[[2]string{n.Info.ID, peer}].Cut {
			peers = append(peers, peer)
		}
	}
	slices.Sort(peers) // map order must not leak into the run
	return peers
}

// Restart runs a killed node again on what it kept: its log, its saved
// state and outbox. It goes back to its ring by itself (Resume).
func (s *Sim) Restart(n *Node) {
	if n.Alive {
		s.T.Fatalf("%s runs; kill it first", n.Name)
	}
	n.M = s.newMachine(n.Info, n.Log)
	n.M.Restore(n.Saved, n.Outbox)
	n.Alive = true
	n.M.Resume()
	s.Collect(n)
}

// Hang makes a node silent: it stops taking input and ticking, messages to it
// wait in their links, and no connection closes; only timeouts find it out.
func (s *Sim) Hang(n *Node) { n.Hung = true }

// Resume wakes a hung node: it reads what waited for it and ticks again.
func (s *Sim) Resume(n *Node) { n.Hung = false }

// SetLinks sets the links from every node of from to every node of to.
func (s *Sim) SetLinks(from, to []*Node, st LinkState) {
	for _, a := range from {
		for _, b := range to {
			if a == b {
				continue
			}
			k := [2]string{a.Info.ID, b.Info.ID}
			if st.Cut {
				s.links[k] = nil // what was under way is lost with the connection
			}
			s.state[k] = st
		}
	}
	s.Check.cutChanged()
}

// Reset closes the connections between a and b: both see them go down.
func (s *Sim) Reset(a, b *Node) {
	for _, p := range [][2]*Node{{a, b}, {b, a}} {
		k := [2]string{p[0].Info.ID, p[1].Info.ID}
		s.links[k] = nil
		delete(s.used, k)
		if p[0].Alive && !p[0].Hung {
			p[0].M.PeerDown(p[1].Info, "connection reset")
			s.Collect(p[0])
		}
	}
}

// Heal makes every link whole again; held frames arrive now.
func (s *Sim) Heal() {
	s.state = map[[2]string]LinkState{}
	s.Check.cutChanged()
}
