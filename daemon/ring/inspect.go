package ring

// Read-only views of the machine's internals for safety checkers and
// failure reports (package ringtest); the driver needs none of them.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ringchat/ring/protocol"
)

// Configuration is the membership of the newest view entry of the node's
// history, committed or not: the view whose majority a commit needs.
// Read-only, for checkers.
func (m *Machine) Configuration() []protocol.NodeInfo { return slices.Clone(m.config()) }

// CommittedViewSeq is the sequence number of the view entry in force at
// the commit point (0 if none). Read-only, for checkers.
func (m *Machine) CommittedViewSeq() uint64 { return m.committedSeq() }

// LatestViewSeq is the sequence number of the newest view entry of the
// node's history, committed or not (0 if none). Read-only, for checkers.
func (m *Machine) LatestViewSeq() uint64 {
	if len(m.configs) == 0 {
		return 0
	}
	return m.configs[len(m.configs)-1].seq
}

// ViewPending says whether a view entry above the commit point waits to
// be committed. Read-only, for checkers.
func (m *Machine) ViewPending() bool { return m.viewPending() }

// Describe is a dump of the machine's state for a failure report, with
// node ids shown by name. Its format is not stable.
func (m *Machine) Describe(name func(id string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s leader=%s epoch=%d term=%d vote=%s commit=%d view=v%d%v pending=%d gone=%v",
		m.State(), name(m.Leader().ID), m.Epoch(), m.term, name(m.vote), m.Commit(),
		m.View().Version, names(m.View().Members, name), m.Pending(), m.live.gone)
	for _, p := range m.outbox.queue {
		fmt.Fprintf(&b, "\n    outbox %s#%d ring=%q %q", name(p.entry.OriginID), p.entry.OriginCounter, p.ring, p.entry.Text)
	}
	fmt.Fprintf(&b, "\n    changes=%v configs=%d handingOver=%v before=%v match=%v epochStart=%d", m.changes.queue, len(m.configs), m.leave.handingOver, m.leave.viewBefore != nil, m.commit.storedBy, m.commit.epochStart)
	fmt.Fprintf(&b, "\n    seen %v unsure=%v verify=%d el=%d part=%v started=%d tick=%d deferred=%v next=%s", m.sequencing.counters, m.outbox.countersUnsure, m.catchUp.verifySeq, m.election.round, m.election.takesPart, m.election.startedAt, m.tick, m.election.heldBack != nil, name(m.Next().ID))
	return b.String()
}

func names(ms []protocol.NodeInfo, name func(string) string) []string {
	out := make([]string, len(ms))
	for i, p := range ms {
		out[i] = name(p.ID)
	}
	return out
}
