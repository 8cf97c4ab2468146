package store

import (
	"reflect"
	"testing"

	"github.com/ringchat/ring/protocol"
)

func TestEntryRoundTrip(t *testing.T) {
	a := protocol.NodeInfo{ID: "00000000000000a1", Name: "ann", Addr: "127.0.0.1:7001"}
	b := protocol.NodeInfo{ID: "00000000000000b2", Name: "bob", Addr: "127.0.0.1:7002"}
	for _, e := range []protocol.Entry{
		{Seq: 1, Epoch: 3, Lamport: 10, OriginID: a.ID, OriginCounter: 41, Kind: protocol.KindSystem, FromName: a.Name, FromAddr: a.Addr,
			Text: "bob joined", TimeUnixNano: 1740830400123456789, About: b, Presence: protocol.PresenceJoined, Members: []protocol.NodeInfo{a, b}},
		{Seq: 2, Epoch: 3, Lamport: 11, OriginID: b.ID, OriginCounter: 7, Kind: protocol.KindChat, FromName: b.Name, FromAddr: b.Addr,
			Text: "hi", TimeUnixNano: 1740830401000000000},
		{Lamport: 12, OriginID: b.ID, OriginCounter: 8, Kind: protocol.KindDirect, FromName: b.Name, FromAddr: b.Addr, To: "ann",
			Text: "psst", TimeUnixNano: 1740830402500000000},
		{},
	} {
		r := RecordOf(e)
		if got := r.Entry(); !reflect.DeepEqual(got, e) {
			t.Errorf("RecordOf(e).Entry() =\n%+v\nwant\n%+v", got, e)
		}
		if got := stored(t, r).Entry(); !reflect.DeepEqual(got, e) {
			t.Errorf("the stored record's entry =\n%+v\nwant\n%+v", got, e)
		}
	}
}

// Only a presence event keeps About, as the stored layout does.
func TestRecordOfAboutWithoutPresence(t *testing.T) {
	e := protocol.Entry{Seq: 1, OriginID: "a", OriginCounter: 1, Kind: protocol.KindSystem, About: protocol.NodeInfo{ID: "b"}}
	if r := RecordOf(e); r.About != (Node{}) || r.Presence != "" {
		t.Errorf("RecordOf kept About without a presence event: %+v", r)
	}
}

func TestRecordID(t *testing.T) {
	for _, c := range []struct {
		r    Record
		want string
	}{
		{Record{OriginID: "00000000000000a1", OriginCounter: 41, Kind: protocol.KindChat}, "00000000000000a1/41"},
		{Record{OriginID: "00000000000000a1", OriginCounter: 41, Kind: protocol.KindSystem}, "00000000000000a1/41"},
		{Record{OriginID: "00000000000000b2", OriginCounter: 8, Kind: protocol.KindDirect}, "00000000000000b2/d8"},
	} {
		if got := c.r.ID(); got != c.want {
			t.Errorf("ID() = %q, want %q", got, c.want)
		}
	}
}
