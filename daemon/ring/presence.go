package ring

import "maps"

// Gone lists the members of the current view that this node found dead or
// saw leave ("died" or "left", by id), which the leader's next view will
// drop.
func (m *Machine) Gone() map[string]string { return maps.Clone(m.gone) }

// Watched lists the ids of the peers whose silence this node watches: its
// neighbours and its leader, and for a leader every member. Only their
// heartbeats tell it that they are alive right now.
func (m *Machine) Watched() []string {
	ps := m.monitored()
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}
