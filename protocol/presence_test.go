package protocol

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func presenceEntry(presence string, about NodeInfo) Entry {
	e := sampleEntry(7)
	e.Kind, e.Text = KindSystem, about.Name+" "+presence
	e.About, e.Presence = about, presence
	return e
}

func TestPresenceEntryRoundTrip(t *testing.T) {
	in := Deliver{Entries: []Entry{presenceEntry(PresenceDied, carol)}}
	b, err := Encode(1, alice.ID, 3, in)
	if err != nil {
		t.Fatal(err)
	}
	_, out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("decoded %+v, want %+v", out, in)
	}
}

// An entry without a presence event encodes as before the fields existed.
func TestPresenceFieldsOmittedWhenEmpty(t *testing.T) {
	plain, err := Encode(1, alice.ID, 3, Deliver{Entries: []Entry{sampleEntry(7)}})
	if err != nil {
		t.Fatal(err)
	}
	with, err := Encode(1, alice.ID, 3, Deliver{Entries: []Entry{presenceEntry(PresenceJoined, bob)}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte(bob.ID)) || !bytes.Contains(with, []byte(bob.ID)) || len(with) <= len(plain) {
		t.Fatalf("plain entry %x, entry with presence %x", plain, with)
	}
}

func TestPresenceValidate(t *testing.T) {
	chatAbout := sampleEntry(7)
	chatAbout.About, chatAbout.Presence = bob, PresenceJoined
	noAbout := presenceEntry(PresenceLeft, bob)
	noAbout.About = NodeInfo{}
	tests := []struct {
		name string
		e    Entry
		want string // "" for valid
	}{
		{"joined", presenceEntry(PresenceJoined, bob), ""},
		{"left", presenceEntry(PresenceLeft, carol), ""},
		{"died", presenceEntry(PresenceDied, alice), ""},
		{"leader", presenceEntry(PresenceLeader, alice), ""},
		{"unknown event", presenceEntry("vanished", bob), `unknown presence event "vanished"`},
		{"event without member", noAbout, "about"},
		{"member without event", presenceEntry("", bob), `unknown presence event ""`},
		{"on a chat entry", chatAbout, "a chat entry carries a presence event"},
		{"bad member id", presenceEntry(PresenceDied, NodeInfo{ID: "x\x1b", Addr: "h:1"}), "about"},
	}
	for _, tt := range tests {
		err := Deliver{Entries: []Entry{tt.e}}.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
