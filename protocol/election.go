package protocol

import (
	"cmp"
	"fmt"
	"strings"
)

// CandidateKey orders candidates in a Chang–Roberts election: the greatest
// key wins.
type CandidateKey struct {
	Epoch   uint64 `cbor:"1,keyasint,omitempty"`
	LastSeq uint64 `cbor:"2,keyasint,omitempty"`
	NodeID  string `cbor:"3,keyasint,omitempty"`
}

// Compare returns -1, 0 or +1 as k is less than, equal to or greater than o,
// comparing epoch, then last sequence number, then node id bytewise.
func (k CandidateKey) Compare(o CandidateKey) int {
	if c := cmp.Compare(k.Epoch, o.Epoch); c != 0 {
		return c
	}
	if c := cmp.Compare(k.LastSeq, o.LastSeq); c != 0 {
		return c
	}
	return strings.Compare(k.NodeID, o.NodeID)
}

func (k CandidateKey) Validate() error { return checkID("candidate node id", k.NodeID) }

// Election circulates a candidacy around the ring.
type Election struct {
	Candidate CandidateKey `cbor:"1,keyasint"`
	// Epoch is the epoch this election is for; a newer election supersedes
	// an older one, so an interrupted election restarts rather than hangs.
	Epoch uint64 `cbor:"2,keyasint,omitempty"`
	// Hops counts forwards, so a candidacy whose owner died is dropped
	// instead of circling for ever.
	Hops uint32 `cbor:"3,keyasint,omitempty"`
	// Voters are the nodes that passed the candidacy on: it comes back to
	// its owner with the members that would vote for it (a pre-vote).
	Voters []string `cbor:"4,keyasint,omitempty"`
	// Handover: a leaving leader hands its successor this candidacy, which
	// needs no pre-vote (the members know their leader is leaving).
	Handover bool `cbor:"5,keyasint,omitempty"`
	// Reform names the node whose operator forced a new view of the
	// members it reaches (ringctl reform); such an election needs no
	// majority of the old view.
	Reform *NodeInfo `cbor:"6,keyasint,omitempty"`
	// Route is the ring as the candidate knows it: the candidacy travels
	// it, so that a node whose own view is behind passes it on the way
	// the candidate's (more complete) history says.
	Route []NodeInfo `cbor:"7,keyasint,omitempty"`
}

func (Election) Type() MsgType { return TypeElection }

func (m Election) Validate() error {
	if err := m.Candidate.Validate(); err != nil {
		return wrapField("candidate", err)
	}
	if len(m.Voters) > MaxMembers {
		return fmt.Errorf("%d voters, limit %d", len(m.Voters), MaxMembers)
	}
	for i, id := range m.Voters {
		if err := checkID(fmt.Sprintf("voter %d", i), id); err != nil {
			return err
		}
	}
	if err := checkMemberList("route", m.Route); err != nil {
		return err
	}
	if m.Reform != nil {
		return wrapField("reform", m.Reform.Validate())
	}
	return nil
}

// Elected announces the winner, whose key came back around the ring, and the
// epoch it leads. NewEpoch must exceed the epoch in the winning key.
type Elected struct {
	Leader   NodeInfo     `cbor:"1,keyasint"`
	Key      CandidateKey `cbor:"2,keyasint"`
	NewEpoch uint64       `cbor:"3,keyasint,omitempty"`
	// Ring collects the members that voted for the leader, in ring order,
	// as the announcement travels: back at the leader, a majority of its
	// view makes it leader.
	Ring []NodeInfo `cbor:"4,keyasint,omitempty"`
	// Reform: see Election.Reform. The ring becomes the new view.
	Reform *NodeInfo `cbor:"5,keyasint,omitempty"`
	// Route: see Election.Route; the leader's.
	Route []NodeInfo `cbor:"6,keyasint,omitempty"`
}

func (Elected) Type() MsgType { return TypeElected }

func (m Elected) Validate() error {
	if err := m.Leader.Validate(); err != nil {
		return wrapField("leader", err)
	}
	if err := m.Key.Validate(); err != nil {
		return wrapField("key", err)
	}
	if m.Key.NodeID != m.Leader.ID {
		return fmt.Errorf("key names node %q but leader is %q", m.Key.NodeID, m.Leader.ID)
	}
	if m.NewEpoch <= m.Key.Epoch {
		return fmt.Errorf("new epoch %d does not exceed candidate epoch %d", m.NewEpoch, m.Key.Epoch)
	}
	if len(m.Ring) > MaxMembers {
		return fmt.Errorf("ring of %d members, limit %d", len(m.Ring), MaxMembers)
	}
	for i, n := range m.Ring {
		if err := n.Validate(); err != nil {
			return fmt.Errorf("ring member %d: %w", i, err)
		}
	}
	if err := checkMemberList("route", m.Route); err != nil {
		return err
	}
	if m.Reform != nil {
		return wrapField("reform", m.Reform.Validate())
	}
	return nil
}
