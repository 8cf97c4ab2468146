package store

import (
	"strconv"
	"time"

	"github.com/ringchat/ring/protocol"
)

// Record is one entry of the history as the store keeps it: a sequenced
// entry of the ring's log, or a direct message (Seq 0). It is the store's
// own type; the node turns it into what the local API shows.
type Record struct {
	Seq     uint64
	Epoch   uint64
	Lamport uint64
	// OriginID and OriginCounter: the node that wrote the entry and its
	// counter there (the origins table keeps the highest per origin).
	OriginID      string
	OriginCounter uint64
	Kind          string // protocol.KindChat, KindDirect or KindSystem
	FromName      string
	FromAddr      string
	To            string // the recipient of a direct message
	Text          string
	Time          time.Time
	// About and Presence: a system entry about a member's presence names
	// the member and the event; other entries leave both empty.
	About    Node
	Presence string
	// Members makes a system entry a view entry: the ring's membership
	// from this entry on, in ring order (the views bucket indexes them).
	Members []Node
}

// Node names a node: its stable id, display name and peer address. Its
// JSON form is that of the stored records, views and node state.
type Node struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Addr string `json:"addr"`
}

// directMark sets the counters of direct messages apart from the ring's in
// message ids: ORIGIN/dN.
const directMark = "d"

// ID is the message id of r: ORIGIN/N, or ORIGIN/dN for a direct message.
func (r Record) ID() string {
	counter := strconv.FormatUint(r.OriginCounter, 10)
	if r.Kind == protocol.KindDirect {
		counter = directMark + counter
	}
	return r.OriginID + "/" + counter
}
