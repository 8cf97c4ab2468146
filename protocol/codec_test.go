package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

var (
	alice = NodeInfo{ID: "a1a1a1a1a1a1a1a1", Name: "alice", Addr: "10.0.0.1:7946"}
	bob   = NodeInfo{ID: "b2b2b2b2b2b2b2b2", Name: "bob", Addr: "[fe80::1]:7946"}
	carol = NodeInfo{ID: "c3c3c3c3c3c3c3c3", Addr: "carol.lan:7946"}
)

func sampleEntry(seq uint64) Entry {
	return Entry{
		Seq: seq, Epoch: 3, Lamport: 40 + seq, OriginID: alice.ID, OriginCounter: seq,
		Kind: KindChat, FromName: "alice", FromAddr: alice.Addr, Text: "héllo ☃ #" + fmt.Sprint(seq),
		TimeUnixNano: 1_700_000_000_000_000_000 + int64(seq),
	}
}

func sampleView() View {
	return View{Version: 9, Epoch: 3, Leader: bob.ID, Members: []NodeInfo{alice, bob, carol}}
}

// sampleMessages has at least one valid example of every message type.
func sampleMessages() []Message {
	direct := sampleEntry(0)
	direct.Kind, direct.To, direct.Text = KindDirect, bob.ID, ""
	return []Message{
		Hello{Node: alice},
		JoinRequest{Node: carol},
		JoinReply{OK: true, Leader: bob, View: sampleView()},
		JoinReply{Error: "not the leader", Leader: bob},
		JoinReply{Error: "ring full"},
		sampleView(),
		Heartbeat{},
		Heartbeat{LastSeq: 9, From: &alice},
		Election{Candidate: CandidateKey{Epoch: 3, LastSeq: 120, NodeID: carol.ID}},
		Elected{Leader: carol, Key: CandidateKey{Epoch: 3, LastSeq: 120, NodeID: carol.ID}, NewEpoch: 4},
		Submit{Entry: sampleEntry(0)},
		Submit{Entry: direct},
		Submit{Entry: sampleEntry(0), More: []Entry{sampleEntry(0), sampleEntry(0)}},
		Deliver{Entries: []Entry{sampleEntry(7), sampleEntry(8), sampleEntry(10)}},
		Ack{Seq: 10},
		Ack{},
		Leave{Node: alice},
		CatchUpRequest{AfterSeq: 100, Limit: 50},
		CatchUpReply{Entries: []Entry{sampleEntry(101)}, Done: true},
		CatchUpReply{Entries: []Entry{}, Done: true},
		CatchUpReply{},
		Refuse{Reason: "unknown node"},
		Direct{Entry: directEntry()},
		DirectAck{Counter: 7},
		DirectAck{Counter: 8, Error: "not for this node"},
	}
}

func directEntry() Entry {
	e := sampleEntry(0)
	e.Epoch, e.OriginCounter, e.Kind, e.To, e.Text = 0, 5, KindDirect, "bob", "psst"
	return e
}

func TestRoundTripEveryMessage(t *testing.T) {
	covered := map[MsgType]bool{}
	for i, m := range sampleMessages() {
		covered[m.Type()] = true
		t.Run(fmt.Sprintf("%d-%s", i, m.Type()), func(t *testing.T) {
			payload, err := Encode(1234, alice.ID, 3, m)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			h, got, err := Decode(payload)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want := (Header{Lamport: 1234, From: alice.ID, Epoch: 3}); h != want {
				t.Errorf("header = %+v, want %+v", h, want)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("decoded %#v\nwant    %#v", got, m)
			}
		})
	}
	for typ := range registry {
		if !covered[typ] {
			t.Errorf("no round-trip sample for %s", typ)
		}
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	for _, m := range sampleMessages() {
		a, _ := Encode(1, alice.ID, 2, m)
		b, _ := Encode(1, alice.ID, 2, m)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s encodes differently on two calls", m.Type())
		}
	}
}

func TestRegistryIsConsistent(t *testing.T) {
	for typ, k := range registry {
		if typ.String() != k.name {
			t.Errorf("%d: String() = %q, want %q", typ, typ.String(), k.name)
		}
		m, err := k.decode([]byte{0xa0}) // empty map
		if err != nil {
			t.Fatalf("%s: decode empty map: %v", typ, err)
		}
		if m.Type() != typ {
			t.Errorf("registry entry %s decodes to a %s", typ, m.Type())
		}
	}
	if got := MsgType(999).String(); got != "MsgType(999)" {
		t.Errorf("unknown String() = %q", got)
	}
}

// rawPayload builds an envelope around body without any validation.
func rawPayload(t *testing.T, typ MsgType, from string, body any) []byte {
	t.Helper()
	b, err := encMode.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	p, err := encMode.Marshal(Envelope{Type: typ, Lamport: 5, From: from, Epoch: 1, Body: b})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeUnknownType(t *testing.T) {
	_, _, err := Decode(rawPayload(t, 999, alice.ID, Heartbeat{}))
	var unknown *UnknownTypeError
	if !errors.As(err, &unknown) || unknown.Type != 999 {
		t.Fatalf("err = %v, want *UnknownTypeError{999}", err)
	}
	if !strings.Contains(err.Error(), "999") {
		t.Fatalf("error %q does not name the type", err)
	}
	if _, _, err := Decode(rawPayload(t, 0, alice.ID, Heartbeat{})); !errors.As(err, &unknown) {
		t.Fatalf("type 0: err = %v, want *UnknownTypeError", err)
	}
}

func TestDecodeTrailingGarbage(t *testing.T) {
	payload, err := Encode(1, alice.ID, 1, Ack{Seq: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tail := range [][]byte{{0x00}, {0xf6}, payload} {
		if _, _, err := Decode(append(bytes.Clone(payload), tail...)); !errors.Is(err, ErrMalformed) {
			t.Errorf("trailing %x: err = %v, want ErrMalformed", tail, err)
		}
	}
}

func TestDecodeTruncated(t *testing.T) {
	for _, m := range sampleMessages() {
		payload, err := Encode(77, alice.ID, 3, m)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(payload) {
			_, got, err := Decode(payload[:n])
			if err == nil {
				t.Fatalf("%s truncated to %d of %d bytes decoded as %#v", m.Type(), n, len(payload), got)
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%s truncated to %d bytes: error %v would pass for end of stream", m.Type(), n, err)
			}
		}
	}
}

func TestDecodeMalformedCBOR(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
	}{
		{"not a map", []byte{0x83, 0x01, 0x02, 0x03}},
		{"indefinite-length map", []byte{0xbf, 0x01, 0x05, 0x03, 0x61, 'x', 0x05, 0xa0, 0xff}},
		{"duplicate key", []byte{0xa4, 0x01, 0x05, 0x01, 0x05, 0x03, 0x61, 'x', 0x05, 0xa0}},
		{"tag", []byte{0xc0, 0xa3, 0x01, 0x05, 0x03, 0x61, 'x', 0x05, 0xa0}},
		{"invalid UTF-8 sender", []byte{0xa3, 0x01, 0x05, 0x03, 0x61, 0xff, 0x05, 0xa0}},
		{"negative type", []byte{0xa3, 0x01, 0x20, 0x03, 0x61, 'x', 0x05, 0xa0}},
		{"no body", []byte{0xa2, 0x01, 0x05, 0x03, 0x61, 'x'}},
		{"body is an array", []byte{0xa3, 0x01, 0x05, 0x03, 0x61, 'x', 0x05, 0x80}},
		{"body field of wrong type", []byte{0xa3, 0x01, 0x0a, 0x03, 0x61, 'x', 0x05, 0xa1, 0x01, 0x61, 'y'}},
		{"tag in body", []byte{0xa3, 0x01, 0x0a, 0x03, 0x61, 'x', 0x05, 0xa1, 0x01, 0xc1, 0x01}},
		{"too deep", append([]byte{0xa3, 0x01, 0x05, 0x03, 0x61, 'x', 0x05, 0xa1, 0x63, 'z', 'z', 'z'},
			append(bytes.Repeat([]byte{0x81}, 20), 0x00)...)},
		{"array over limit", append([]byte{0xa3, 0x01, 0x09, 0x03, 0x61, 'x', 0x05, 0xa1, 0x01, 0x99, 0x10, 0x01},
			bytes.Repeat([]byte{0xa0}, 4097)...)},
		{"declared length beyond input", []byte{0xa3, 0x01, 0x05, 0x03, 0x7a, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m, err := Decode(tt.payload)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode = %#v, %v; want ErrMalformed", m, err)
			}
		})
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	// {1: 10, 3: "x", 5: {1: 4, 99: "new"}, 42: true}: an Ack from a newer peer.
	payload := []byte{0xa4, 0x01, 0x0a, 0x03, 0x61, 'x', 0x05, 0xa2, 0x01, 0x04, 0x18, 0x63, 0x63, 'n', 'e', 'w', 0x18, 0x2a, 0xf5}
	h, m, err := Decode(payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if h.From != "x" || !reflect.DeepEqual(m, Ack{Seq: 4}) {
		t.Fatalf("Decode = %+v, %#v", h, m)
	}
}

func TestInvalidMessages(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	noOrigin := sampleEntry(1)
	noOrigin.OriginID = ""
	badKind := sampleEntry(1)
	badKind.Kind = "shout"
	directNobody := sampleEntry(1)
	directNobody.Kind = KindDirect
	hugeText := sampleEntry(1)
	hugeText.Text = long(MaxTextLen + 1)
	badUTF8 := sampleEntry(1)
	badUTF8.Text = "\xff"
	dupView := sampleView()
	dupView.Members = append(dupView.Members, alice)
	strangerLeader := sampleView()
	strangerLeader.Leader = "ffffffffffffffff"
	otherOrigin := sampleEntry(0)
	otherOrigin.OriginID = bob.ID
	tooMany := make([]Entry, MaxEntries)
	for i := range tooMany {
		tooMany[i] = sampleEntry(0)
	}
	bigView := View{Leader: alice.ID}
	for i := range MaxMembers + 1 {
		bigView.Members = append(bigView.Members, NodeInfo{ID: fmt.Sprintf("%016x", i), Addr: "h:1"})
	}

	// Most are caught by Validate after decoding; a few never get past the
	// CBOR decoder, which is as good.
	tests := []struct {
		name      string
		m         Message
		decodeErr error
	}{
		{name: "empty node id", m: Hello{Node: NodeInfo{Addr: alice.Addr}}},
		{name: "node id too long", m: Hello{Node: NodeInfo{ID: long(MaxIDLen + 1), Addr: alice.Addr}}},
		{name: "no address", m: JoinRequest{Node: NodeInfo{ID: alice.ID}}},
		{name: "address not host:port", m: JoinRequest{Node: NodeInfo{ID: alice.ID, Addr: "10.0.0.1"}}},
		{name: "address too long", m: Leave{Node: NodeInfo{ID: alice.ID, Addr: long(MaxAddrLen) + ":1"}}},
		{name: "name too long", m: Leave{Node: NodeInfo{ID: alice.ID, Name: long(MaxNameLen + 1), Addr: alice.Addr}}},
		{name: "accepted join without view", m: JoinReply{OK: true, Leader: bob}},
		{name: "accepted join with error", m: JoinReply{OK: true, Error: "x", Leader: bob, View: sampleView()}},
		{name: "refused join without reason", m: JoinReply{}},
		{name: "refused join with bad leader", m: JoinReply{Error: "no", Leader: NodeInfo{Name: "x"}}},
		{name: "view without members", m: View{Leader: alice.ID}},
		{name: "view with duplicate member", m: dupView},
		{name: "view leader not a member", m: strangerLeader},
		{name: "view over member limit", m: bigView, decodeErr: ErrMalformed},
		{name: "election without node id", m: Election{Candidate: CandidateKey{Epoch: 1}}},
		{name: "elected key names someone else", m: Elected{Leader: alice, Key: CandidateKey{NodeID: bob.ID}, NewEpoch: 1}},
		{name: "elected epoch does not advance", m: Elected{Leader: alice, Key: CandidateKey{Epoch: 4, NodeID: alice.ID}, NewEpoch: 4}},
		{name: "entry without origin", m: Submit{Entry: noOrigin}},
		{name: "entry of unknown kind", m: Submit{Entry: badKind}},
		{name: "direct entry without recipient", m: Submit{Entry: directNobody}},
		{name: "text too long", m: Submit{Entry: hugeText}},
		{name: "text not UTF-8", m: Submit{Entry: badUTF8}, decodeErr: ErrMalformed},
		{name: "submit of two origins", m: Submit{Entry: sampleEntry(0), More: []Entry{otherOrigin}}},
		{name: "submit with a bad further entry", m: Submit{Entry: sampleEntry(0), More: []Entry{badKind}}},
		{name: "submit of too many entries", m: Submit{Entry: sampleEntry(0), More: tooMany}},
		{name: "empty deliver", m: Deliver{}},
		{name: "deliver with seq 0", m: Deliver{Entries: []Entry{sampleEntry(0)}}},
		{name: "deliver out of order", m: Deliver{Entries: []Entry{sampleEntry(5), sampleEntry(4)}}},
		{name: "deliver with repeated seq", m: Deliver{Entries: []Entry{sampleEntry(5), sampleEntry(5)}}},
		{name: "catch-up reply out of order", m: CatchUpReply{Entries: []Entry{sampleEntry(9), sampleEntry(2)}}},
		{name: "catch-up limit too high", m: CatchUpRequest{Limit: MaxEntries + 1}},
		{name: "heartbeat from a node without id", m: Heartbeat{From: &NodeInfo{Addr: alice.Addr}}},
		{name: "refuse without reason", m: Refuse{}},
		{name: "refuse reason too long", m: Refuse{Reason: long(MaxReasonLen + 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.m.Validate(); err == nil {
				t.Fatal("Validate accepted it")
			}
			if _, err := Encode(1, alice.ID, 1, tt.m); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("Encode: err = %v, want ErrInvalidMessage", err)
			}
			want := tt.decodeErr
			if want == nil {
				want = ErrInvalidMessage
			}
			_, m, err := Decode(rawPayload(t, tt.m.Type(), alice.ID, tt.m))
			if !errors.Is(err, want) {
				t.Fatalf("Decode = %#v, %v; want %v", m, err, want)
			}
		})
	}
}

func TestInvalidSender(t *testing.T) {
	for _, from := range []string{"", strings.Repeat("f", MaxIDLen+1)} {
		if _, err := Encode(1, from, 1, Heartbeat{}); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Encode from %q: err = %v", from, err)
		}
		if _, _, err := Decode(rawPayload(t, TypeHeartbeat, from, Heartbeat{})); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Decode from %q: err = %v", from, err)
		}
	}
}

func TestEncodeNil(t *testing.T) {
	if _, err := Encode(1, alice.ID, 1, nil); err == nil {
		t.Fatal("Encode(nil) succeeded")
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, p := range [][]byte{nil, {}} {
		if _, _, err := Decode(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%x): err = %v", p, err)
		}
	}
}

func BenchmarkEncodeDecodeDeliver(b *testing.B) {
	d := Deliver{}
	for i := range 64 {
		d.Entries = append(d.Entries, sampleEntry(uint64(i+1)))
	}
	payload, err := Encode(1, alice.ID, 3, d)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Encode(1, alice.ID, 3, d)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// A ring that has had many members hands a joiner one origin counter per
// member; the decoder must take as many as Validate allows.
func TestCatchUpReplyWithManyOrigins(t *testing.T) {
	for _, n := range []int{300, MaxOrigins} {
		r := CatchUpReply{Origins: map[string]uint64{}}
		for i := range n {
			r.Origins[fmt.Sprintf("%016x", i+1)] = uint64(i + 1)
		}
		p, err := Encode(1, alice.ID, 1, r)
		if err != nil {
			t.Fatal(err)
		}
		_, m, err := Decode(p)
		if err != nil {
			t.Fatalf("%d origins: %v", n, err)
		}
		if got := len(m.(CatchUpReply).Origins); got != n {
			t.Fatalf("decoded %d origins of %d", got, n)
		}
	}
}

// TestEveryMessageDecodesInOnePass: what Encode writes, Decode reads in one
// pass (peekType finds the type, decodeWhole the rest), to the same header
// and message as taking the envelope and body apart.
func TestEveryMessageDecodesInOnePass(t *testing.T) {
	for _, m := range sampleMessages() {
		payload, err := Encode(7, alice.ID, 3, m)
		if err != nil {
			t.Fatal(err)
		}
		if got := peekType(payload); got != m.Type() {
			t.Fatalf("%T: peekType = %v, want %v", m, got, m.Type())
		}
		h, whole, ok := registry[m.Type()].decodeWhole(payload)
		if !ok {
			t.Fatalf("%T: not decoded in one pass", m)
		}
		var env Envelope
		if err := decMode.Unmarshal(payload, &env); err != nil {
			t.Fatal(err)
		}
		parts, err := registry[env.Type].decode(env.Body)
		if err != nil {
			t.Fatal(err)
		}
		if h != (Header{Lamport: 7, From: alice.ID, Epoch: 3}) || !reflect.DeepEqual(whole, parts) {
			t.Fatalf("%T: one pass gives %+v %+v, in parts %+v", m, h, whole, parts)
		}
	}
}
