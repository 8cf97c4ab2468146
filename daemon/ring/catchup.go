package ring

// Catch-up: a member asks its leader for the entries it misses.

import (
	"slices"

	"github.com/ringchat/ring/protocol"
)

// catchUpState is a member's catch-up under way and the check of its
// history against its leader's (verifyLog).
type catchUpState struct {
	at          uint64 // tick a catch-up was requested, 0 if none pending
	to          string // the node it was asked of
	request     protocol.CatchUpRequest
	verifySeq   uint64 // compare this entry with the leader's at the next catch-up, 0 if none
	verifyAsked bool   // the catch-up under way asks for it
}

func (m *Machine) requestCatchUp() {
	if m.IsLeader() || m.leader.ID == "" || m.catchUp.at != 0 {
		return
	}
	m.catchUp.at, m.catchUp.to = max(m.tick, 1), m.leader.ID
	req := protocol.CatchUpRequest{AfterSeq: m.log.LastSeq(), Limit: catchUpBatch}
	m.catchUp.verifyAsked = m.catchUp.verifySeq > 0 && m.catchUp.verifySeq <= req.AfterSeq
	if m.catchUp.verifyAsked {
		req.AfterSeq = m.catchUp.verifySeq - 1 // the reply starts with the entry to compare
		req.Epoch = max(m.log.LastEpoch(), 1)
	}
	m.catchUp.request = req
	m.send(m.leader, req)
}

// catchUpTick gives up a catch-up whose request or reply was lost (the
// next heartbeat asks again), and asks at once while the history waits to
// be checked.
func (m *Machine) catchUpTick() {
	if m.state == Member && !m.IsLeader() && m.catchUp.at != 0 && m.tick-m.catchUp.at > uint64(m.cfg.FailureTicks) {
		m.catchUp.at = 0
	}
	if m.state == Member && m.catchUp.verifySeq > 0 && m.catchUp.at == 0 {
		m.requestCatchUp()
	}
}

func (m *Machine) onCatchUpRequest(h protocol.Header, r protocol.CatchUpRequest) {
	if !m.IsLeader() || !m.isMember(h.From) {
		return
	}
	limit := int(r.Limit)
	if limit <= 0 || limit > catchUpBatch {
		limit = catchUpBatch
	}
	entries := m.log.After(r.AfterSeq, limit)
	reply := protocol.CatchUpReply{Entries: entries, Done: len(entries) < limit, Commit: m.commit.point, After: r.AfterSeq}
	if floor, epoch := m.log.Floor(); r.AfterSeq < floor {
		reply.Floor, reply.FloorEpoch = floor, epoch
		reply.Origins = m.log.Origins()
		if len(reply.Origins) > protocol.MaxOrigins {
			reply.Origins = nil // more origins than a frame takes: the asker may refuse old ones
		}
		if v, ok := m.log.ViewAt(floor); ok {
			reply.FloorView = v.Members
		}
	}
	if r.Epoch > 0 {
		var ok bool
		reply.EndEpoch, reply.EndSeq, ok = m.log.EpochEnd(r.Epoch)
		reply.EndUnknown = !ok
	}
	m.send(m.peerInfo(h.From, ""), reply)
}

func (m *Machine) onCatchUpReply(h protocol.Header, r protocol.CatchUpReply) {
	if !m.fromLeader(h) || !m.repliesToRequest(r) {
		return
	}
	m.catchUp.at = 0
	if m.catchUp.verifySeq > 0 && m.catchUp.verifyAsked && !m.checkHistory(r) {
		return
	}
	if r.Floor > m.log.LastSeq() {
		m.startAfterFloor(r)
	}
	for _, e := range r.Entries {
		if e.Seq <= m.log.LastSeq() {
			continue
		}
		if !m.appendEntry(e) {
			break
		}
	}
	m.learnCommit(r.Commit)
	if !r.Done {
		m.requestCatchUp()
	}
}

// repliesToRequest says whether r replies to the last catch-up request: a
// reply to an earlier one (the request was given up, or the check moved on)
// would compare the wrong entries.
func (m *Machine) repliesToRequest(r protocol.CatchUpReply) bool {
	return m.catchUp.at != 0 && r.After == m.catchUp.request.AfterSeq
}

// startAfterFloor: the leader no longer holds the entries this node misses
// (retention removed them). This node's history, older still, goes; it
// holds the ring's from the leader's floor on. Everything up to the floor
// is committed: the leader's retention removes nothing above its commit
// point.
func (m *Machine) startAfterFloor(r protocol.CatchUpReply) {
	if m.log.LastSeq() > 0 {
		_ = m.log.Reset()
	}
	origins := r.Origins
	if origins == nil {
		origins = map[string]uint64{}
	}
	for id, c := range m.sequencing.counters {
		origins[id] = max(origins[id], c)
	}
	members := r.FloorView
	if len(members) == 0 {
		members = m.view.Members
	}
	if err := m.log.StartAfter(r.Floor, r.FloorEpoch, origins, members); err != nil {
		return
	}
	m.sequencing.counters = origins
	m.commit.point = max(m.commit.point, r.Floor)
	m.commit.tail = nil
	m.configs = []configRec{{seq: r.Floor, members: slices.Clone(members)}}
}
