package protocol

import "fmt"

// NodeInfo identifies a ring member. It is a value carried inside messages,
// not a message itself.
type NodeInfo struct {
	ID   string `cbor:"1,keyasint,omitempty"` // 16 lowercase hex chars in practice
	Name string `cbor:"2,keyasint,omitempty"` // human-readable, may be empty
	Addr string `cbor:"3,keyasint,omitempty"` // host:port the node accepts peers on
}

// Display is how a node is named in system messages and logs: its name,
// or its id if it has none, and its address.
func (n NodeInfo) Display() string {
	if n.Name != "" {
		return n.Name + "(" + n.Addr + ")"
	}
	return n.ID + "(" + n.Addr + ")"
}

func (n NodeInfo) Validate() error {
	if err := checkID("node id", n.ID); err != nil {
		return err
	}
	if err := checkString("node name", n.Name, MaxNameLen); err != nil {
		return err
	}
	return checkAddr("node address", n.Addr)
}

// Hello is the first message on a connection after the handshake; it
// identifies the dialer.
type Hello struct {
	Node NodeInfo `cbor:"1,keyasint"`
}

func (Hello) Type() MsgType { return TypeHello }

func (m Hello) Validate() error { return wrapField("node", m.Node.Validate()) }

// JoinRequest asks a member to admit the sender into the ring.
type JoinRequest struct {
	Node NodeInfo `cbor:"1,keyasint"`
	// Via is the member the joiner contacted, set when that member forwards
	// the request to the leader; the joiner is placed after it in the ring.
	Via NodeInfo `cbor:"2,keyasint,omitempty"`
}

func (JoinRequest) Type() MsgType { return TypeJoinRequest }

func (m JoinRequest) Validate() error {
	if err := m.Node.Validate(); err != nil {
		return wrapField("node", err)
	}
	if m.Via != (NodeInfo{}) {
		return wrapField("via", m.Via.Validate())
	}
	return nil
}

// JoinReply answers a JoinRequest. On success it carries the leader and the
// view including the joiner. On refusal Error says why, and Leader may name
// the node to retry with.
type JoinReply struct {
	OK     bool     `cbor:"1,keyasint,omitempty"`
	Error  string   `cbor:"2,keyasint,omitempty"`
	Leader NodeInfo `cbor:"3,keyasint"`
	View   View     `cbor:"4,keyasint"`
	// Counter is the highest origin counter of the joiner's messages that
	// the ring has sequenced, so a restarted joiner does not reuse one.
	Counter uint64 `cbor:"5,keyasint,omitempty"`
	// A refusal from a node that is itself out of its ring (View.RingID)
	// after a restart says so, with its candidacy: of nodes that restart
	// together, the one with the most history founds the ring again.
	Resuming bool          `cbor:"6,keyasint,omitempty"`
	Key      *CandidateKey `cbor:"7,keyasint,omitempty"`
}

func (JoinReply) Type() MsgType { return TypeJoinReply }

func (m JoinReply) Validate() error {
	if m.OK {
		if m.Error != "" {
			return fmt.Errorf("accepted reply carries error %q", m.Error)
		}
		if err := m.Leader.Validate(); err != nil {
			return wrapField("leader", err)
		}
		return wrapField("view", m.View.Validate())
	}
	if err := checkReason("error", m.Error); err != nil {
		return err
	}
	if m.Leader != (NodeInfo{}) {
		if err := m.Leader.Validate(); err != nil {
			return wrapField("leader", err)
		}
	}
	if len(m.View.Members) > 0 {
		if err := m.View.Validate(); err != nil {
			return wrapField("view", err)
		}
	}
	if m.Key != nil {
		return wrapField("key", m.Key.Validate())
	}
	return checkString("ring id", m.View.RingID, MaxIDLen*2)
}

// View is the ordered ring membership; the leader publishes it whenever it
// changes. Each member's successor is the next one, wrapping around.
type View struct {
	Version uint64     `cbor:"1,keyasint,omitempty"`
	Epoch   uint64     `cbor:"2,keyasint,omitempty"`
	Leader  string     `cbor:"3,keyasint,omitempty"` // node id, must be a member
	Members []NodeInfo `cbor:"4,keyasint"`
	// RingID names the ring (its founder and founding time); a node that
	// joins another ring starts its history anew.
	RingID string `cbor:"5,keyasint,omitempty"`
}

func (View) Type() MsgType { return TypeView }

func (v View) Validate() error {
	if v.Leader != "" {
		if err := checkID("leader id", v.Leader); err != nil {
			return err
		}
	}
	if len(v.Members) == 0 {
		return fmt.Errorf("no members")
	}
	if len(v.Members) > MaxMembers {
		return fmt.Errorf("%d members, limit %d", len(v.Members), MaxMembers)
	}
	seen := make(map[string]struct{}, len(v.Members))
	for i, n := range v.Members {
		if err := n.Validate(); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
		if _, dup := seen[n.ID]; dup {
			return fmt.Errorf("member %d: duplicate node id %q", i, n.ID)
		}
		seen[n.ID] = struct{}{}
	}
	if err := checkString("ring id", v.RingID, MaxIDLen*2); err != nil {
		return err
	}
	if _, ok := seen[v.Leader]; !ok && v.Leader != "" {
		return fmt.Errorf("leader %q is not a member", v.Leader)
	}
	return nil
}

// Heartbeat proves liveness. From the leader it carries the last sequence
// number, so a member that missed a delivery asks to catch up.
type Heartbeat struct {
	LastSeq uint64 `cbor:"1,keyasint,omitempty"`
	// From is the sender, so that a member that does not know it (it was
	// admitted by a leader that died before its view spread) can answer
	// it with the ring's view.
	From *NodeInfo `cbor:"2,keyasint,omitempty"`
	// Leader is the leader the sender follows (itself, from a leader), nil
	// if it has none: a node without a leader learns where the ring's is.
	Leader *NodeInfo `cbor:"3,keyasint,omitempty"`
	// From a leader: its commit point (see Deliver) and how many members of
	// its view it hears, itself included.
	Commit uint64 `cbor:"4,keyasint,omitempty"`
	Reach  uint32 `cbor:"5,keyasint,omitempty"`
	// From a member of the leader's epoch: as Ack.Seq, repeated.
	Stored uint64 `cbor:"6,keyasint,omitempty"`
}

func (Heartbeat) Type() MsgType { return TypeHeartbeat }

func (m Heartbeat) Validate() error {
	if m.From != nil {
		if err := m.From.Validate(); err != nil {
			return wrapField("from", err)
		}
	}
	if m.Leader != nil {
		return wrapField("leader", m.Leader.Validate())
	}
	return nil
}

// Leave announces that Node is leaving the ring.
type Leave struct {
	Node NodeInfo `cbor:"1,keyasint"`
}

func (Leave) Type() MsgType { return TypeLeave }

func (m Leave) Validate() error { return wrapField("node", m.Node.Validate()) }

// Refuse tells the peer why this node will not go on talking to it.
type Refuse struct {
	Reason string `cbor:"1,keyasint,omitempty"`
}

func (Refuse) Type() MsgType { return TypeRefuse }

func (m Refuse) Validate() error { return checkReason("reason", m.Reason) }

func wrapField(field string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", field, err)
}

// Member finds the member with id in v.
func (v View) Member(id string) (NodeInfo, bool) {
	for _, m := range v.Members {
		if m.ID == id {
			return m, true
		}
	}
	return NodeInfo{}, false
}
