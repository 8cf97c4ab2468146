// Package chat holds the chat domain types shared by the node, its history
// store and the local API: messages, members and a node's status. Their JSON
// form is the product contract of SPEC §4; field names never change.
package chat

import (
	"time"
)

// Message kinds.
const (
	KindChat   = "chat"
	KindDirect = "direct"
	KindSystem = "system"
)

// Node states (status.state).
const (
	StateDetached = "detached"
	StateJoining  = "joining"
	StateMember   = "member"
	StateElecting = "electing"
	StateNoQuorum = "no-quorum"
	StateLeaving  = "leaving"
)

// Member roles and presence states.
const (
	RoleLeader = "leader"
	RoleMember = "member"

	PresenceAlive   = "alive"
	PresenceSuspect = "suspect"
	PresenceDead    = "dead"
	PresenceLeft    = "left"
)

// NodeRef names a node: its stable id, display name and peer address.
type NodeRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// Message is one entry of the chat stream.
type Message struct {
	Seq     uint64    `json:"seq"`
	Epoch   uint64    `json:"epoch"`
	Lamport uint64    `json:"lamport"`
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	From    NodeRef   `json:"from"`
	To      string    `json:"to"`
	Text    string    `json:"text"`
	Time    time.Time `json:"time"`
	// About and Presence: a system message about a member's presence names
	// the member and the event (joined, left, died, leader).
	About    *NodeRef `json:"about,omitempty"`
	Presence string   `json:"presence,omitempty"`
	// Members: a system message that changes the ring's membership names
	// the members from this message on, in ring order.
	Members []NodeRef `json:"members,omitempty"`
}

// Receipt acknowledges a message committed: sequenced and stored by a majority.
type Receipt struct {
	Seq     uint64 `json:"seq"`
	Lamport uint64 `json:"lamport"`
	ID      string `json:"id"`
}

// Status is a node's view of itself and its ring.
type Status struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Addr    string  `json:"addr"`
	State   string  `json:"state"`
	Leader  NodeRef `json:"leader"`
	Epoch   uint64  `json:"epoch"`
	Prev    NodeRef `json:"prev"`
	Next    NodeRef `json:"next"`
	Members int     `json:"members"`
	LastSeq uint64  `json:"last_seq"`
	// CommitSeq: every message up to it is stored by a majority and shown.
	// Quorum: members needed for a majority of the view; Reachable:
	// members this node hears, itself included.
	CommitSeq uint64 `json:"commit_seq"`
	Quorum    int    `json:"quorum"`
	Reachable int    `json:"reachable"`
	Lamport   uint64 `json:"lamport"`
	Ring      string `json:"ring"` // id of the ring it is a member of; "" while detached or joining
}

// Member is one entry of the member directory.
type Member struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Addr     string    `json:"addr"`
	Role     string    `json:"role"`
	State    string    `json:"state"`
	LastSeen time.Time `json:"last_seen"`
	// Reachable: this node hears the member (false for the dead and the
	// departed, and for a member a node without quorum cannot reach).
	Reachable bool `json:"reachable"`
}
