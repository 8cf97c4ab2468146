package store

import (
	"time"

	"github.com/ringchat/ring/protocol"
)

// RecordOf is the record that stores e. Only an entry with a presence
// event keeps About.
func RecordOf(e protocol.Entry) Record {
	r := Record{
		Seq:           e.Seq,
		Epoch:         e.Epoch,
		Lamport:       e.Lamport,
		OriginID:      e.OriginID,
		OriginCounter: e.OriginCounter,
		Kind:          e.Kind,
		FromName:      e.FromName,
		FromAddr:      e.FromAddr,
		To:            e.To,
		Text:          e.Text,
		Time:          time.Unix(0, e.TimeUnixNano).UTC(),
		Members:       NodesOf(e.Members),
	}
	if e.Presence != "" {
		r.About, r.Presence = nodeOf(e.About), e.Presence
	}
	return r
}

// Entry is the inverse of RecordOf.
func (r Record) Entry() protocol.Entry {
	e := protocol.Entry{
		Seq:           r.Seq,
		Epoch:         r.Epoch,
		Lamport:       r.Lamport,
		OriginID:      r.OriginID,
		OriginCounter: r.OriginCounter,
		Kind:          r.Kind,
		FromName:      r.FromName,
		FromAddr:      r.FromAddr,
		To:            r.To,
		Text:          r.Text,
		TimeUnixNano:  r.Time.UnixNano(),
		Members:       Infos(r.Members),
	}
	if r.Presence != "" {
		e.About, e.Presence = r.About.Info(), r.Presence
	}
	return e
}

// Info is n as the protocol names a node.
func (n Node) Info() protocol.NodeInfo {
	return protocol.NodeInfo{ID: n.ID, Name: n.Name, Addr: n.Addr}
}

func nodeOf(i protocol.NodeInfo) Node { return Node{ID: i.ID, Name: i.Name, Addr: i.Addr} }

// NodesOf converts protocol nodes to the store's; nil if there are none.
func NodesOf(infos []protocol.NodeInfo) []Node {
	if len(infos) == 0 {
		return nil
	}
	out := make([]Node, len(infos))
	for i, n := range infos {
		out[i] = nodeOf(n)
	}
	return out
}

// Infos is the inverse of NodesOf; nil if there are none.
func Infos(nodes []Node) []protocol.NodeInfo {
	if len(nodes) == 0 {
		return nil
	}
	out := make([]protocol.NodeInfo, len(nodes))
	for i, n := range nodes {
		out[i] = n.Info()
	}
	return out
}
