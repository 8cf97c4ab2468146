package store

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Records are stored as JSON rather than CBOR: the layout is that of the
// local API's messages (SPEC §4, whose field names never change), which
// earlier versions stored as they were, so their records stay readable and
// `bbolt get` shows them as they are. Encoding costs about a microsecond a
// record, small next to an fsync even when a commit carries thousands.

// diskRecord is a record as stored. Its keys are those of the message
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

func diskOf(r Record) diskRecord {
	d := diskRecord{
		Seq: r.Seq, Epoch: r.Epoch, Lamport: r.Lamport, ID: r.ID(), Counter: &r.OriginCounter, Kind: r.Kind,
		From: Node{ID: r.OriginID, Name: r.FromName, Addr: r.FromAddr},
		To:   r.To, Text: r.Text, Time: r.Time, Members: r.Members,
	}
	if r.Presence != "" {
		d.About, d.Presence = &r.About, r.Presence
	}
	return d
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

func encode(r Record) ([]byte, error) { return json.Marshal(diskOf(r)) }

func decode(b []byte) (Record, error) {
	var d diskRecord
	err := json.Unmarshal(b, &d)
	return d.record(), err
}

// decodeTime reads only a stored record's time, for retention by age.
func decodeTime(b []byte) (time.Time, error) {
	var m struct {
		Time time.Time `json:"time"`
	}
	err := json.Unmarshal(b, &m)
	return m.Time, err
}
