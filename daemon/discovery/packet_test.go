package discovery

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/ringchat/ring/protocol"
)

func validAnnouncement() Announcement {
	return Announcement{
		Ring: "0123456789abcdef-lx3k9z", LeaderID: "0123456789abcdef", LeaderName: "alice", Members: 3,
		ID: "fedcba9876543210", Name: "bob", Addr: "10.77.0.2:7733", Proto: protocol.Version, Secret: true,
	}
}

func TestQueryRoundTrip(t *testing.T) {
	n := Nonce{1, 2, 3, 4, 5, 6, 7, 8}
	q := encodeQuery(n)
	if len(q) != QuerySize {
		t.Fatalf("query of %d bytes, want %d", len(q), QuerySize)
	}
	got, err := parseQuery(q)
	if err != nil || got != n {
		t.Fatalf("parseQuery = %v, %v; want %v", got, err, n)
	}
}

func TestParseQueryRefuses(t *testing.T) {
	good := encodeQuery(Nonce{9})
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for name, b := range map[string][]byte{
		"empty":       nil,
		"header only": good[:headerSize],
		"one short":   good[:QuerySize-1],
		"one long":    append(bytes.Clone(good), 0),
		"bad magic":   mutate(func(b []byte) []byte { b[0] = 'X'; return b }),
		"answer kind": mutate(func(b []byte) []byte { b[4] = kindAnswer; return b }),
		"version 2":   mutate(func(b []byte) []byte { b[5] = 2; return b }),
	} {
		if _, err := parseQuery(b); err == nil {
			t.Errorf("%s: parseQuery accepted it", name)
		}
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	n := Nonce{8, 7, 6, 5, 4, 3, 2, 1}
	a := validAnnouncement()
	b, err := encodeAnswer(n, a)
	if err != nil {
		t.Fatal(err)
	}
	gotN, got, err := parseAnswer(b)
	if err != nil || gotN != n || got != a {
		t.Fatalf("parseAnswer = %v, %+v, %v; want %v, %+v", gotN, got, err, n, a)
	}
}

// The package promises that an answer is never longer than a query: the
// largest announcement the validation allows must fit.
func TestLargestAnswerFits(t *testing.T) {
	a := Announcement{
		Ring:     strings.Repeat("r", maxRingIDLen),
		LeaderID: strings.Repeat("l", protocol.MaxIDLen), LeaderName: strings.Repeat("€", protocol.MaxNameLen/3),
		Members: maxMembers,
		ID:      strings.Repeat("i", protocol.MaxIDLen), Name: strings.Repeat("n", protocol.MaxNameLen),
		Addr:  strings.Repeat("h", protocol.MaxAddrLen-len(":65535")) + ":65535",
		Proto: 65535, Secret: true,
	}
	b, err := encodeAnswer(Nonce{}, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxAnswer || len(b) > QuerySize {
		t.Fatalf("largest answer is %d bytes, over the %d-byte limit", len(b), MaxAnswer)
	}
	t.Logf("largest answer: %d bytes", len(b))
}

func TestParseAnswerRefuses(t *testing.T) {
	bad := map[string]func(*Announcement){
		"empty ring":          func(a *Announcement) { a.Ring = "" },
		"long ring":           func(a *Announcement) { a.Ring = strings.Repeat("r", maxRingIDLen+1) },
		"empty leader id":     func(a *Announcement) { a.LeaderID = "" },
		"control in name":     func(a *Announcement) { a.Name = "bob\x1b[2J" },
		"control in leader":   func(a *Announcement) { a.LeaderName = "al\nice" },
		"long name":           func(a *Announcement) { a.Name = strings.Repeat("n", protocol.MaxNameLen+1) },
		"empty id":            func(a *Announcement) { a.ID = "" },
		"bad utf8 id":         func(a *Announcement) { a.ID = "\xff\xfe" },
		"no port":             func(a *Announcement) { a.Addr = "10.77.0.2" },
		"port 0":              func(a *Announcement) { a.Addr = "10.77.0.2:0" },
		"port too big":        func(a *Announcement) { a.Addr = "10.77.0.2:70000" },
		"unspecified host":    func(a *Announcement) { a.Addr = "0.0.0.0:7733" },
		"empty host":          func(a *Announcement) { a.Addr = ":7733" },
		"zero members":        func(a *Announcement) { a.Members = 0 },
		"negative members":    func(a *Announcement) { a.Members = -1 },
		"too many members":    func(a *Announcement) { a.Members = maxMembers + 1 },
		"protocol version 0":  func(a *Announcement) { a.Proto = 0 },
		"long address":        func(a *Announcement) { a.Addr = strings.Repeat("h", protocol.MaxAddrLen) + ":1" },
		"control in ring id":  func(a *Announcement) { a.Ring = "ring\u0085" },
		"control in address":  func(a *Announcement) { a.Addr = "host\t:1" },
		"control in leaderid": func(a *Announcement) { a.LeaderID = "\x00" },
	}
	for name, f := range bad {
		a := validAnnouncement()
		f(&a)
		if _, err := encodeAnswer(Nonce{}, a); err == nil {
			t.Errorf("%s: encodeAnswer accepted it", name)
		}
		// The same announcement, encoded without validation, as a stranger would send it.
		b := rawAnswer(t, Nonce{}, a)
		if _, _, err := parseAnswer(b); err == nil {
			t.Errorf("%s: parseAnswer accepted it", name)
		}
	}
}

func TestParseAnswerRefusesMalformed(t *testing.T) {
	good := rawAnswer(t, Nonce{}, validAnnouncement())
	header := good[:headerSize]
	withBody := func(body []byte) []byte { return append(bytes.Clone(header), body...) }
	dupKeys := []byte{0xa2, 0x64, 'r', 'i', 'n', 'g', 0x61, 'x', 0x64, 'r', 'i', 'n', 'g', 0x61, 'y'}
	for name, b := range map[string][]byte{
		"header only":    header,
		"query kind":     encodeQuery(Nonce{}),
		"truncated body": good[:len(good)-3],
		"trailing bytes": append(bytes.Clone(good), 0x00),
		"not a map":      withBody([]byte{0x01}),
		"duplicate keys": withBody(dupKeys),
		"oversized":      append(bytes.Clone(good), make([]byte, MaxAnswer)...),
		"deep nesting":   withBody(bytes.Repeat([]byte{0x81}, 100)),
	} {
		if _, _, err := parseAnswer(b); err == nil {
			t.Errorf("%s: parseAnswer accepted it", name)
		}
	}
}

// A later version may add fields; this one ignores them.
func TestParseAnswerIgnoresUnknownFields(t *testing.T) {
	a := validAnnouncement()
	type extended struct {
		Announcement
		Future string `cbor:"future"`
	}
	body, err := cbor.Marshal(extended{Announcement: a, Future: "x"})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, headerSize)
	putHeader(b, kindAnswer, Nonce{})
	if _, got, err := parseAnswer(append(b, body...)); err != nil || got != a {
		t.Fatalf("parseAnswer = %+v, %v", got, err)
	}
}

func rawAnswer(t testing.TB, n Nonce, a Announcement) []byte {
	t.Helper()
	body, err := encMode.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, headerSize)
	putHeader(b, kindAnswer, n)
	return append(b, body...)
}

// FuzzParseAnswer: whatever arrives, the decoder returns an error or an
// announcement that validates and encodes back to the same announcement.
func FuzzParseAnswer(f *testing.F) {
	f.Add(rawAnswer(f, Nonce{1}, validAnnouncement()))
	f.Add(encodeQuery(Nonce{}))
	f.Add([]byte("RNGDA\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, a, err := parseAnswer(b)
		if err != nil {
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted an invalid announcement: %v", err)
		}
		again, err := encodeAnswer(n, a)
		if err != nil {
			t.Fatalf("cannot encode what was accepted: %v", err)
		}
		if n2, a2, err := parseAnswer(again); err != nil || n2 != n || a2 != a {
			t.Fatalf("round trip changed it: %+v, %v", a2, err)
		}
	})
}
