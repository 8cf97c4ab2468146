package ring

import (
	"slices"
	"sort"

	"github.com/ringchat/ring/protocol"
)

// The quorum: Raft's safety argument fitted to the ring.
//
// Membership changes are view entries in the log (protocol.Entry.Members),
// so a node's configuration is the last view entry of its history, and it
// rolls back with the entries that carried it. An entry is committed once
// a majority of the configuration stores it durably and the leader has
// committed an entry of its own epoch; only then is it delivered (shown)
// and acknowledged to its author. A view change waits until the one before
// is committed, and while it is pending every commit needs a majority of
// the configuration before it too, so that any two majorities that matter
// overlap. A leader that does not hear a majority for FailureTicks steps
// down.

type configRec struct {
	seq     uint64 // of the view entry (0: not from the log)
	members []protocol.NodeInfo
}

func majority(n int) int { return n/2 + 1 }

func (m *Machine) config() []protocol.NodeInfo {
	if len(m.configs) == 0 {
		return m.view.Members
	}
	return m.configs[len(m.configs)-1].members
}

func (m *Machine) committedConfig() []protocol.NodeInfo {
	if len(m.configs) == 0 {
		return m.view.Members
	}
	return m.configs[0].members
}

// committedSeq is the sequence number of the view entry in force at the
// commit point.
func (m *Machine) committedSeq() uint64 {
	if len(m.configs) == 0 {
		return 0
	}
	return m.configs[0].seq
}

// viewPending says whether a view entry above the commit point waits.
func (m *Machine) viewPending() bool { return len(m.configs) > 1 }

func hasMember(ms []protocol.NodeInfo, id string) bool {
	return slices.ContainsFunc(ms, func(n protocol.NodeInfo) bool { return n.ID == id })
}

// Quorum is how many members make a majority of the configuration.
func (m *Machine) Quorum() int { return majority(len(m.config())) }

// quorumOf says whether the members for which in holds are a majority of
// every configuration in play: the view, and while a view change is
// pending the view before it too.
func (m *Machine) quorumOf(in func(id string) bool) bool {
	if !m.majorityOf(m.config(), in) {
		return false
	}
	return !m.viewPending() || m.majorityOf(m.configs[len(m.configs)-2].members, in)
}

// hearsQuorum: this node hears a quorum (quorumOf).
func (m *Machine) hearsQuorum() bool {
	return m.quorumOf(func(id string) bool {
		at, ok := m.live.lastHeard[id]
		return id == m.self.ID || (ok && m.tick-at <= uint64(m.cfg.FailureTicks))
	})
}

// majorityOf says whether the members of ms for which in holds are a majority.
func (m *Machine) majorityOf(ms []protocol.NodeInfo, in func(id string) bool) bool {
	n := 0
	for _, p := range ms {
		if in(p.ID) {
			n++
		}
	}
	return n >= majority(len(ms))
}

// loadConfigs rebuilds the configurations from the log: the view in force
// at the commit point, and the view entries above it. fallback serves when
// the log holds no view entry (a log from before them, or one a test built).
func (m *Machine) loadConfigs(fallback []protocol.NodeInfo) {
	m.configs = m.configs[:0]
	if e, ok := m.log.ViewAt(m.commit.point); ok {
		m.configs = append(m.configs, configRec{seq: e.Seq, members: slices.Clone(e.Members)})
	} else {
		m.configs = append(m.configs, configRec{members: slices.Clone(fallback)})
	}
	m.commit.tail = m.commit.tail[:0]
	for after := m.commit.point; ; { // bounded by the log
		batch := m.log.After(after, catchUpBatch)
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			m.commit.tail = append(m.commit.tail, e)
			if e.IsView() {
				m.configs = append(m.configs, configRec{seq: e.Seq, members: slices.Clone(e.Members)})
			}
		}
		after = batch[len(batch)-1].Seq
	}
}

// trackAppended records an entry just stored: it waits above the commit
// point, and a view entry is the configuration from now on.
func (m *Machine) trackAppended(e protocol.Entry) {
	m.commit.tail = append(m.commit.tail, e)
	if e.IsView() && e.Presence == protocol.PresenceJoined && e.About.ID != m.self.ID {
		// Taken (back) in: whatever this node found of it before, dead
		// or gone, was of its last run. Without this, a member that marked
		// it dead while the leader kept it (or before it restarted) never
		// hears it again: neither watches the other (gone peers get no
		// heartbeats), and the rejoined node soon marks it dead in turn.
		delete(m.live.gone, e.About.ID)
	}
	if e.IsView() {
		c := configRec{seq: e.Seq, members: slices.Clone(e.Members)}
		if e.Presence == protocol.PresenceReformed {
			m.configs = []configRec{c} // forced: the old view no longer counts
		} else {
			m.configs = append(m.configs, c)
		}
		if e.Seq >= m.view.Version {
			m.routeByConfig()
		}
	}
}

// routeByConfig makes the ring this node routes by the configuration in
// force, or while a removal is pending the view before it: an election must
// pass through every member whose vote may count.
func (m *Machine) routeByConfig() {
	if len(m.configs) == 0 {
		return
	}
	if c := m.routingConfig(); c.seq != m.view.Version || !slices.Equal(c.members, m.view.Members) {
		m.setTopology(c.seq, c.members)
	}
}

func (m *Machine) routingConfig() configRec {
	c := m.configs[len(m.configs)-1]
	if m.viewPending() {
		if prev := m.configs[len(m.configs)-2]; len(prev.members) > len(c.members) {
			c.members = prev.members
		}
	}
	return c
}

// cutTail drops what truncation removed above seq: entries and view
// entries; the view in force goes back to the one before.
func (m *Machine) cutTail(seq uint64) {
	i := sort.Search(len(m.commit.tail), func(i int) bool { return m.commit.tail[i].Seq > seq })
	m.commit.tail = m.commit.tail[:i]
	n := len(m.configs)
	for n > 0 && m.configs[n-1].seq > seq {
		n--
	}
	if n == len(m.configs) {
		return
	}
	if n == 0 { // a forced view (reform) went: the log knows the one before
		m.loadConfigs(m.view.Members)
	} else {
		m.configs = m.configs[:n]
	}
	m.routeByConfig()
}
