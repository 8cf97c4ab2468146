package ring

import (
	"strconv"
	"strings"

	"github.com/ringchat/ring/protocol"
)

// ReformWait is how long, in failure timeouts, a node must have been in
// no-quorum before its operator may force a new view (Reform).
const ReformWait = 10

// Reform is the operator's way out when a majority of the ring is gone for
// good: a node in no-quorum for ReformWait failure timeouts runs an
// election among the members it reaches that needs no majority of the old
// view; the most complete of them leads a new view of exactly those
// members, at a new epoch. Entries only the lost members held are lost;
// and if they were merely cut off, both parts commit histories of their
// own until they meet, when one yields (HistoryYielded). It returns why it
// refuses, "" if the election started.
func (m *Machine) Reform() string {
	defer m.flush()
	switch {
	case m.state != NoQuorum:
		return "the node is " + string(m.state) + ", not in no-quorum: there is nothing to reform"
	case m.hearsQuorum():
		return "a majority of the view is reachable: the ring is electing a leader by itself"
	case m.tick-m.election.noQuorumSince < uint64(ReformWait*m.cfg.FailureTicks):
		return "the node has been in no-quorum for " + strconv.FormatUint(m.tick-m.election.noQuorumSince, 10) + " heartbeats, " +
			strconv.Itoa(ReformWait*m.cfg.FailureTicks) + " are needed: the ring may still heal"
	}
	by := m.self
	m.election.reform = &by
	m.startElection("the operator forces a new view")
	return ""
}

// sequenceReform is the first entry of a leader elected by a reform: the
// view of the members that voted for it, which alone decides commits from
// here on.
func (m *Machine) sequenceReform(by protocol.NodeInfo, ring []protocol.NodeInfo) {
	var dropped []string
	for _, p := range m.config() {
		if !hasMember(ring, p.ID) {
			dropped = append(dropped, p.Display())
		}
	}
	text := "the view was reformed by " + by.Display() + " at epoch " + strconv.FormatUint(m.epoch, 10)
	if len(dropped) > 0 {
		text += ": dropped " + strings.Join(dropped, ", ")
	}
	for _, p := range m.config() {
		if !hasMember(ring, p.ID) {
			m.noteLost(p)
		}
	}
	m.sequencePresence(protocol.PresenceReformed, by, text, ring)
}
