package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Records are stored as CBOR arrays (fxamacker/cbor's toarray form, no
// field names), after one byte naming the format: formatCBOR. Records
// written before (format 1) are the JSON of the local API's message layout
// (SPEC §4) and begin with '{'; they are read as they are, so an upgraded
// node keeps its history, and a record is never rewritten in place.

// formatCBOR is the first byte of a record, or outbox item, in format 2.
const formatCBOR = 0x02

// cborNode and cborRecord are a node and a record in format 2.
type cborNode struct {
	_    struct{} `cbor:",toarray"`
	ID   string
	Name string
	Addr string
}

type cborRecord struct {
	_        struct{} `cbor:",toarray"`
	Seq      uint64
	Epoch    uint64
	Lamport  uint64
	OriginID string
	Counter  uint64
	Kind     string
	FromName string
	FromAddr string
	To       string
	Text     string
	Time     *int64 // Unix nanoseconds; nil for the zero time
	About    cborNode
	Presence string
	Members  []cborNode
}

var (
	recEnc = mustEncMode()
	recDec = mustDecMode()
)

func mustEncMode() cbor.UserBufferEncMode {
	em, err := cbor.EncOptions{}.UserBufferEncMode()
	if err != nil {
		panic(err)
	}
	return em
}

func mustDecMode() cbor.DecMode {
	// A string that is not valid UTF-8 is read as it is, as JSON read it
	// before (with U+FFFD): one bad byte must not make a record, and with it
	// retention or an outbox, unreadable.
	dm, err := cbor.DecOptions{UTF8: cbor.UTF8DecodeInvalid}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}

func cborOf(r Record) cborRecord {
	c := cborRecord{
		Seq: r.Seq, Epoch: r.Epoch, Lamport: r.Lamport, OriginID: r.OriginID, Counter: r.OriginCounter,
		Kind: r.Kind, FromName: r.FromName, FromAddr: r.FromAddr, To: r.To, Text: r.Text,
		About: cborNode{ID: r.About.ID, Name: r.About.Name, Addr: r.About.Addr}, Presence: r.Presence,
	}
	if !r.Time.IsZero() {
		ns := r.Time.UnixNano()
		c.Time = &ns
	}
	if r.Members != nil {
		c.Members = make([]cborNode, len(r.Members))
		for i, m := range r.Members {
			c.Members[i] = cborNode{ID: m.ID, Name: m.Name, Addr: m.Addr}
		}
	}
	return c
}

func (c cborRecord) record() Record {
	r := Record{
		Seq: c.Seq, Epoch: c.Epoch, Lamport: c.Lamport, OriginID: c.OriginID, OriginCounter: c.Counter,
		Kind: c.Kind, FromName: c.FromName, FromAddr: c.FromAddr, To: c.To, Text: c.Text,
		About: Node{ID: c.About.ID, Name: c.About.Name, Addr: c.About.Addr}, Presence: c.Presence,
	}
	if c.Time != nil {
		r.Time = time.Unix(0, *c.Time).UTC()
	}
	if c.Members != nil {
		r.Members = make([]Node, len(c.Members))
		for i, m := range c.Members {
			r.Members[i] = Node{ID: m.ID, Name: m.Name, Addr: m.Addr}
		}
	}
	return r
}

// marshal writes v in format 2.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(recordEstimate)
	buf.WriteByte(formatCBOR)
	if err := recEnc.MarshalToBuffer(v, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unmarshal reads b in format 2 into v, or in format 1 (JSON) into legacy.
func unmarshal(b []byte, v, legacy any) (isLegacy bool, err error) {
	switch {
	case len(b) > 0 && b[0] == formatCBOR:
		return false, recDec.Unmarshal(b[1:], v)
	case len(b) > 0 && b[0] == '{':
		return true, json.Unmarshal(b, legacy)
	}
	return false, fmt.Errorf("store: a record in no known format (first byte %#x of %d)", firstByte(b), len(b))
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// diskRecord is a record as format 1 stored it. Its keys are those of the message
// layout earlier versions wrote, plus counter.
type diskRecord struct {
	Seq     uint64 `json:"seq"`
	Epoch   uint64 `json:"epoch"`
	Lamport uint64 `json:"lamport"`
	ID      string `json:"id"`
	// Counter is the origin counter. Records written before it was stored
	// lack it (nil); their counter is in ID.
	Counter  *uint64   `json:"counter,omitempty"`
	Kind     string    `json:"kind"`
	From     Node      `json:"from"` // From.ID is the origin id
	To       string    `json:"to"`
	Text     string    `json:"text"`
	Time     time.Time `json:"time"`
	About    *Node     `json:"about,omitempty"`
	Presence string    `json:"presence,omitempty"`
	Members  []Node    `json:"members,omitempty"`
}

func (d diskRecord) record() Record {
	r := Record{
		Seq: d.Seq, Epoch: d.Epoch, Lamport: d.Lamport, OriginID: d.From.ID, Kind: d.Kind,
		FromName: d.From.Name, FromAddr: d.From.Addr,
		To: d.To, Text: d.Text, Time: d.Time, Members: d.Members,
	}
	if d.Counter != nil {
		r.OriginCounter = *d.Counter
	} else {
		r.OriginCounter = legacyCounter(d.ID)
	}
	if d.Presence != "" && d.About != nil {
		r.About, r.Presence = *d.About, d.Presence
	}
	return r
}

// legacyCounter reads the origin counter out of the id of a record written
// before records kept it (ORIGIN/N, ORIGIN/dN for a direct message): the
// one place the store parses an id, so that an upgraded node keeps its
// history. An id that does not parse gives 0, no counter.
func legacyCounter(id string) uint64 {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return 0
	}
	counter, err := strconv.ParseUint(strings.TrimPrefix(id[i+1:], directMark), 10, 64)
	if err != nil {
		return 0
	}
	return counter
}

func encode(r Record) ([]byte, error) { return marshal(cborOf(r)) }

// encodeAll encodes a batch of records into one buffer, each value a slice
// of it: a buffer per record was 10 % of a leader's allocation at full
// throughput (docs/PERFORMANCE.md). The bytes are encode's.
func encodeAll(msgs []Record) ([][]byte, error) {
	var buf bytes.Buffer
	buf.Grow(recordEstimate * len(msgs))
	ends := make([]int, len(msgs))
	c := new(cborRecord) // one for the batch: handed to the encoder, it escapes
	for i, m := range msgs {
		*c = cborOf(m)
		buf.WriteByte(formatCBOR)
		if err := recEnc.MarshalToBuffer(c, &buf); err != nil {
			return nil, fmt.Errorf("store: encode message %q: %w", m.ID(), err)
		}
		ends[i] = buf.Len()
	}
	b := buf.Bytes()
	vals := make([][]byte, len(msgs))
	start := 0
	for i, end := range ends {
		vals[i] = b[start:end:end]
		start = end
	}
	return vals, nil
}

// recordEstimate is about what a record of a 100-byte chat message takes
// (about 170 bytes) with room to spare.
const recordEstimate = 256

func decode(b []byte) (Record, error) {
	var c cborRecord
	var d diskRecord
	legacy, err := unmarshal(b, &c, &d)
	if legacy {
		return d.record(), err
	}
	return c.record(), err
}

// decodeTime reads only a stored record's time, for retention by age.
func decodeTime(b []byte) (time.Time, error) {
	r, err := decode(b)
	return r.Time, err
}
