package discovery

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/ringchat/ring/protocol"
)

// Sizes of the datagrams. A query is padded to QuerySize, as QUIC pads its
// first packet, so that an answer, never longer, gives a spoofed query no
// more bytes back than it cost. The largest valid announcement (every
// string at its limit) is about 800 bytes.
const (
	headerSize = 14
	QuerySize  = 1024
	MaxAnswer  = QuerySize
)

// formatVersion is the version byte of the datagrams this package speaks.
const formatVersion = 1

const (
	kindQuery  = 'Q'
	kindAnswer = 'A'
)

var magic = [4]byte{'R', 'N', 'G', 'D'}

// Limits of announcement fields beyond those of the peer protocol. A ring
// id is a node id, a dash and a time in base 36.
const (
	maxRingIDLen = protocol.MaxIDLen + 32
	maxMembers   = protocol.MaxMembers
)

// Nonce ties an answer to the query it answers.
type Nonce [8]byte

// Announcement is what a responder tells about its ring: the CBOR body of an
// answer.
type Announcement struct {
	Ring       string `cbor:"ring"`      // ring id
	LeaderID   string `cbor:"leader_id"` // the leader this node follows
	LeaderName string `cbor:"leader"`
	Members    int    `cbor:"members"` // members in this node's view
	ID         string `cbor:"id"`      // the answering node
	Name       string `cbor:"name"`
	Addr       string `cbor:"addr"`   // its peer (advertise) address
	Proto      uint16 `cbor:"proto"`  // newest peer protocol version it speaks
	Secret     bool   `cbor:"secret"` // the ring refuses peers without the cluster secret
}

var (
	encMode = mustEncMode()
	decMode = mustDecMode()
)

func mustEncMode() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}

// The announcement is a flat map of 9 fields; anything deeper or larger is
// not one.
func mustDecMode() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  4,
		MaxArrayElements: 16,
		MaxMapPairs:      32,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}

func putHeader(b []byte, kind byte, n Nonce) {
	copy(b, magic[:])
	b[4] = kind
	b[5] = formatVersion
	copy(b[6:headerSize], n[:])
}

// readHeader checks the header of datagram b for kind and returns its nonce.
func readHeader(b []byte, kind byte) (Nonce, error) {
	var n Nonce
	switch {
	case len(b) < headerSize:
		return n, fmt.Errorf("datagram of %d bytes is shorter than a header", len(b))
	case !bytes.Equal(b[:4], magic[:]):
		return n, errors.New("not a ring discovery datagram (bad magic)")
	case b[4] != kind:
		return n, fmt.Errorf("kind %q, want %q", b[4], kind)
	case b[5] != formatVersion:
		return n, fmt.Errorf("format version %d, this node speaks %d", b[5], formatVersion)
	}
	copy(n[:], b[6:headerSize])
	return n, nil
}

// encodeQuery returns a query datagram.
func encodeQuery(n Nonce) []byte {
	b := make([]byte, QuerySize)
	putHeader(b, kindQuery, n)
	return b
}

// parseQuery checks a datagram that claims to be a query. Its size must be
// exactly QuerySize: a short query would make the answer an amplifier.
func parseQuery(b []byte) (Nonce, error) {
	if len(b) != QuerySize {
		return Nonce{}, fmt.Errorf("query of %d bytes, want %d", len(b), QuerySize)
	}
	return readHeader(b, kindQuery)
}

// encodeAnswer validates a and returns the answer datagram to the query
// with nonce n.
func encodeAnswer(n Nonce, a Announcement) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	body, err := encMode.Marshal(a)
	if err != nil {
		return nil, err
	}
	if headerSize+len(body) > MaxAnswer {
		return nil, fmt.Errorf("announcement of %d bytes exceeds the %d-byte answer limit", headerSize+len(body), MaxAnswer)
	}
	b := make([]byte, headerSize, headerSize+len(body))
	putHeader(b, kindAnswer, n)
	return append(b, body...), nil
}

// parseAnswer decodes and validates an answer datagram.
func parseAnswer(b []byte) (Nonce, Announcement, error) {
	var a Announcement
	if len(b) > MaxAnswer {
		return Nonce{}, a, fmt.Errorf("answer of %d bytes or more, limit %d", len(b), MaxAnswer)
	}
	n, err := readHeader(b, kindAnswer)
	if err != nil {
		return n, a, err
	}
	if err := decMode.Unmarshal(b[headerSize:], &a); err != nil {
		return n, a, fmt.Errorf("announcement: %w", err)
	}
	if err := a.Validate(); err != nil {
		return n, a, err
	}
	return n, a, nil
}

// Validate checks every field of a as received from a stranger: lengths,
// UTF-8 without control characters (the strings reach terminals and logs),
// and a peer address that can be dialled.
func (a Announcement) Validate() error {
	if err := checkString("ring id", a.Ring, maxRingIDLen, true); err != nil {
		return err
	}
	if err := checkString("leader id", a.LeaderID, protocol.MaxIDLen, true); err != nil {
		return err
	}
	if err := checkString("leader name", a.LeaderName, protocol.MaxNameLen, false); err != nil {
		return err
	}
	if err := checkString("node id", a.ID, protocol.MaxIDLen, true); err != nil {
		return err
	}
	if err := checkString("node name", a.Name, protocol.MaxNameLen, false); err != nil {
		return err
	}
	if err := checkDialAddr(a.Addr); err != nil {
		return err
	}
	if a.Members < 1 || a.Members > maxMembers {
		return fmt.Errorf("member count %d is not from 1 to %d", a.Members, maxMembers)
	}
	if a.Proto == 0 {
		return errors.New("protocol version 0")
	}
	return nil
}

func checkString(what, s string, maxLen int, required bool) error {
	switch {
	case s == "" && required:
		return fmt.Errorf("%s is empty", what)
	case len(s) > maxLen:
		return fmt.Errorf("%s is %d bytes, limit %d", what, len(s), maxLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", what)
	case strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Errorf("%s %q carries control characters", what, s)
	}
	return nil
}

// checkDialAddr checks a peer address: host:port with a host and a port
// other peers can dial.
func checkDialAddr(addr string) error {
	if err := checkString("address", addr, protocol.MaxAddrLen, true); err != nil {
		return err
	}
	host, port, err := splitHostPort(addr)
	switch {
	case err != nil:
		return err
	case host == "" || port == 0:
		return fmt.Errorf("address %q has no host or port 0", addr)
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		return fmt.Errorf("address %q has unspecified host", addr)
	}
	return nil
}
