package protocol

import (
	"errors"
	"strings"
	"testing"
)

// TestControlCharactersRefused: names, ids, addresses and reasons from a
// peer end up in member lists, logs and error messages on a terminal.
func TestControlCharactersRefused(t *testing.T) {
	const esc = "\x1b[2J"
	entry := func(f func(*Entry)) Submit {
		e := sampleEntry(0)
		f(&e)
		return Submit{Entry: e}
	}
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"node name", Hello{Node: NodeInfo{ID: alice.ID, Name: "al" + esc, Addr: alice.Addr}},
			"node: node name carries control character U+001B at byte 2"},
		{"node name with DEL", JoinRequest{Node: NodeInfo{ID: alice.ID, Name: "a\x7f", Addr: alice.Addr}},
			"node name carries control character U+007F"},
		{"node name with C1 control", Leave{Node: NodeInfo{ID: alice.ID, Name: "a\u009b2J", Addr: alice.Addr}},
			"node name carries control character U+009B"},
		{"node name with newline", Hello{Node: NodeInfo{ID: alice.ID, Name: "a\nb", Addr: alice.Addr}},
			"node name carries control character U+000A"},
		{"node id", Hello{Node: NodeInfo{ID: "a1\ta1", Addr: alice.Addr}}, "node id carries control character"},
		{"node address", Hello{Node: NodeInfo{ID: alice.ID, Addr: "h\x07:1"}}, "node address carries control character"},
		{"member of a view", View{Leader: alice.ID, Members: []NodeInfo{alice, {ID: bob.ID, Name: esc, Addr: bob.Addr}}},
			"member 1: node name carries control character"},
		{"sender name", entry(func(e *Entry) { e.FromName = "al\rice" }), "sender name carries control character"},
		{"sender address", entry(func(e *Entry) { e.FromAddr = esc + ":1" }), "sender address carries control character"},
		{"recipient", entry(func(e *Entry) { e.Kind, e.To = KindDirect, "bob\x00" }), "recipient carries control character"},
		{"origin id", entry(func(e *Entry) { e.OriginID = "a\x01" }), "origin id carries control character"},
		{"refusal reason", Refuse{Reason: "go away" + esc}, "reason carries control character"},
		{"join refusal", JoinReply{Error: "no\x1b]0;pwned\x07"}, "error carries control character"},
		{"ring id", View{Leader: alice.ID, Members: []NodeInfo{alice}, RingID: "r\x1b"}, "ring id carries control character"},
		{"candidate id", Election{Candidate: CandidateKey{Epoch: 1, NodeID: "c\x1b"}}, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
			if _, _, err := Decode(rawPayload(t, tt.m.Type(), alice.ID, tt.m)); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("Decode: err = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestControlCharacterInSenderIDRefused(t *testing.T) {
	if _, _, err := Decode(rawPayload(t, TypeHeartbeat, "a1\x1ba1", Heartbeat{})); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("Decode: err = %v, want ErrInvalidMessage", err)
	}
}

// TestChatTextMayCarryControlCharacters: the display neutralises them, so a
// message is never lost over them; the author's node refuses them from its
// own user.
func TestChatTextMayCarryControlCharacters(t *testing.T) {
	e := sampleEntry(1)
	e.Text = "tab\there \x1b[31mred\x1b[0m"
	e.FromName = "Zoë 李" // names are not limited to ASCII
	m := Deliver{Entries: []Entry{e}}
	payload, err := Encode(1, alice.ID, 1, m)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	_, got, err := Decode(payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if d := got.(Deliver); d.Entries[0].Text != e.Text || d.Entries[0].FromName != e.FromName {
		t.Fatalf("decoded %+v, want %+v", d.Entries[0], e)
	}
}
