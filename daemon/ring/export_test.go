package ring

import "github.com/ringchat/ring/protocol"

// Hooks into the machine for the tests of package ring_test, which run it
// on the simulator of package ringtest.

const (
	MaxStrangers  = maxStrangers
	CatchUpBatch  = catchUpBatch
	EntryOverhead = entryOverhead
	JoinedBytes   = joinedBytes
)

// EntryBytes is the estimated encoded size of e.
var EntryBytes = entryBytes

// StartElection makes m start an election now, as a lost leader would.
func StartElection(m *Machine, why string) { m.startElection(why) }

// Flush ends an input to m as its exported methods do.
func Flush(m *Machine) { m.flush() }

// SeekLeader makes m ask l to take it (back) into its ring.
func SeekLeader(m *Machine, l protocol.NodeInfo) { m.seekLeader(l) }

// SetOutput hands m output taken with Ready back, for the next Ready.
func SetOutput(m *Machine, r Ready) { m.out = r }

// SetFollower makes m a member of view v that follows leader in v's
// epoch, as if it had joined: a ring set up without join traffic.
func SetFollower(m *Machine, v protocol.View, leader protocol.NodeInfo) {
	m.view = cloneView(v)
	m.epoch, m.term, m.election.round = v.Epoch, v.Epoch, v.Epoch
	m.leader = leader
	m.state = Member
}

// Answered is how many peers m keeps answer times for.
func Answered(m *Machine) int { return len(m.live.lastAnswered) }
