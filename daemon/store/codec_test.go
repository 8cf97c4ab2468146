package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ringchat/ring/protocol"
)

// Records as the version before Record wrote them (the JSON of the local
// API's message, with no counter), byte for byte: a view entry with a
// presence event, a chat message, a direct message (ORIGIN/dN) and an
// outbox item.
const (
	legacySystem = `{"seq":1,"epoch":3,"lamport":10,"id":"00000000000000a1/41","kind":"system","from":{"id":"00000000000000a1","name":"ann","addr":"127.0.0.1:7001"},"to":"","text":"bob joined","time":"2025-03-01T12:00:00.123456789Z","about":{"id":"00000000000000b2","name":"bob","addr":"127.0.0.1:7002"},"presence":"joined","members":[{"id":"00000000000000a1","name":"ann","addr":"127.0.0.1:7001"},{"id":"00000000000000b2","name":"bob","addr":"127.0.0.1:7002"}]}`
	legacyChat   = `{"seq":2,"epoch":3,"lamport":11,"id":"00000000000000b2/7","kind":"chat","from":{"id":"00000000000000b2","name":"bob","addr":"127.0.0.1:7002"},"to":"","text":"hello, \"ann\"","time":"2025-03-01T12:00:01Z"}`
	legacyDirect = `{"seq":0,"epoch":0,"lamport":12,"id":"00000000000000b2/d8","kind":"direct","from":{"id":"00000000000000b2","name":"bob","addr":"127.0.0.1:7002"},"to":"ann","text":"psst","time":"2025-03-01T12:00:02.5Z"}`
	legacyOutbox = `{"ring":"r1","msg":{"seq":0,"epoch":0,"lamport":0,"id":"00000000000000a1/42","kind":"chat","from":{"id":"00000000000000a1","name":"ann","addr":"127.0.0.1:7001"},"to":"","text":"queued","time":"2025-03-01T12:00:03Z"}}`
)

var (
	ann = Node{ID: "00000000000000a1", Name: "ann", Addr: "127.0.0.1:7001"}
	bob = Node{ID: "00000000000000b2", Name: "bob", Addr: "127.0.0.1:7002"}
)

// The records that the legacy ones hold.
func legacyRecords() (system, chat, direct Record, outbox OutboxItem) {
	system = Record{Seq: 1, Epoch: 3, Lamport: 10, OriginID: ann.ID, OriginCounter: 41, Kind: protocol.KindSystem,
		FromName: ann.Name, FromAddr: ann.Addr, Text: "bob joined", Time: time.Unix(0, 1740830400123456789).UTC(),
		About: bob, Presence: protocol.PresenceJoined, Members: []Node{ann, bob}}
	chat = Record{Seq: 2, Epoch: 3, Lamport: 11, OriginID: bob.ID, OriginCounter: 7, Kind: protocol.KindChat,
		FromName: bob.Name, FromAddr: bob.Addr, Text: `hello, "ann"`, Time: time.Unix(1740830401, 0).UTC()}
	direct = Record{Lamport: 12, OriginID: bob.ID, OriginCounter: 8, Kind: protocol.KindDirect,
		FromName: bob.Name, FromAddr: bob.Addr, To: "ann", Text: "psst", Time: time.Unix(1740830402, 5e8).UTC()}
	outbox = OutboxItem{ID: 5, Ring: "r1", Msg: Record{OriginID: ann.ID, OriginCounter: 42, Kind: protocol.KindChat,
		FromName: ann.Name, FromAddr: ann.Addr, Text: "queued", Time: time.Unix(1740830403, 0).UTC()}}
	return
}

func TestDecodeLegacy(t *testing.T) {
	system, chat, direct, _ := legacyRecords()
	for _, c := range []struct {
		stored string
		want   Record
	}{{legacySystem, system}, {legacyChat, chat}, {legacyDirect, direct}} {
		got, err := decode([]byte(c.stored))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("decode(%s) =\n%+v\nwant\n%+v", c.stored, got, c.want)
		}
		if got.ID() != c.want.ID() {
			t.Errorf("ID() = %q, want %q", got.ID(), c.want.ID())
		}
	}
}

// A record is stored in format 2: its format byte, then a CBOR array with
// no field names, well under half the size of the JSON of format 1.
func TestEncodeIsCompactBinary(t *testing.T) {
	system, chat, direct, _ := legacyRecords()
	for _, c := range []struct {
		r      Record
		legacy string
	}{{system, legacySystem}, {chat, legacyChat}, {direct, legacyDirect}} {
		got, err := encode(c.r)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != formatCBOR || got[1]&0xe0 != 0x80 { // CBOR major type 4: an array
			t.Errorf("encode(%s) begins % x, want the format byte and a CBOR array", c.r.ID(), got[:2])
		}
		if 2*len(got) > len(c.legacy) {
			t.Errorf("encode(%s) takes %d bytes, format 1 %d", c.r.ID(), len(got), len(c.legacy))
		}
	}
}

// A value in no known format is an error naming its first byte, not a
// record.
func TestDecodeRefusesUnknownFormat(t *testing.T) {
	for _, v := range [][]byte{nil, {0x07, 0x80}, []byte("[1,2]")} {
		if _, err := decode(v); err == nil {
			t.Errorf("decode(% x) gave no error", v)
		}
	}
	if _, err := decode([]byte{formatCBOR, 0xff}); err == nil {
		t.Error("decode of a broken format 2 record gave no error")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	system, chat, direct, _ := legacyRecords()
	noCounter := chat
	noCounter.OriginCounter = 0 // stored as 0, not read back from the id
	slash := chat
	slash.OriginID = "x/y"
	presenceOnly := system
	presenceOnly.Members = nil
	epoch := chat
	epoch.Time = time.Unix(0, 0).UTC() // not the zero time
	noMembers := system
	noMembers.Members = []Node{}
	badUTF8 := chat
	badUTF8.Text = "caf\xe9" // never stored today (the wire and the API check text), but readable if it were
	for _, r := range []Record{system, chat, direct, noCounter, slash, presenceOnly, epoch, noMembers, badUTF8, {}} {
		if got := stored(t, r); !reflect.DeepEqual(got, r) {
			t.Errorf("decode(encode(r)) =\n%+v\nwant\n%+v", got, r)
		}
	}
}

// stored is r encoded and decoded again.
func stored(t testing.TB, r Record) Record {
	t.Helper()
	b, err := encode(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// The counter of a record without one is what follows the id's last '/'
// (and the direct mark); an id that does not parse gives none.
func TestLegacyCounter(t *testing.T) {
	for id, want := range map[string]uint64{
		"a/1": 1, "a/10": 10, "a/4294967301": 4294967301, "x/y/5": 5, "n2/d5": 5, "/8": 8,
		"a/x": 0, "a/": 0, "a/-9": 0, "a/99999999999999999999": 0, "noslash": 0, "c/0": 0, "a/dx": 0,
	} {
		if got := legacyCounter(id); got != want {
			t.Errorf("legacyCounter(%q) = %d, want %d", id, got, want)
		}
	}
}

// legacyFile is a bbolt file as ringd wrote it before the log (format
// version 1), holding format 1 (JSON) records in its history and outbox,
// with the tables that went with them.
func legacyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ring.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	views, err := json.Marshal([]Node{ann, bob})
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][][2][]byte{
		bucketMeta:    {{keyVersion, u64(1)}},
		bucketMsgs:    {{msgKey(1, 0), []byte(legacySystem)}, {msgKey(2, 0), []byte(legacyChat)}, {msgKey(2, 1), []byte(legacyDirect)}},
		bucketEpochs:  {{u64(3), u64(1)}},
		bucketOrigins: {{[]byte(ann.ID), u64(41)}, {[]byte(bob.ID), u64(7)}},
		bucketViews:   {{u64(1), views}},
		bucketOutbox:  {{u64(5), []byte(legacyOutbox)}},
		bucketNode:    {},
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for name, kvs := range content {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for _, kv := range kvs {
				if err := b.Put(kv[0], kv[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// openImported opens a new store that imports the legacy file.
func openImported(t *testing.T, legacy string) *Store {
	t.Helper()
	return openAt(t, filepath.Join(filepath.Dir(legacy), "history"), Options{Import: legacy, KeepUncommitted: true})
}

// A file of the earlier version reads as it was written once imported:
// its history, its outbox, and the counters of the records TruncateAfter
// cuts; the file is kept, renamed, and imported only once.
func TestLegacyFile(t *testing.T) {
	system, chat, direct, outbox := legacyRecords()
	path := legacyFile(t)
	s := openImported(t, path)
	if _, err := os.Stat(path + ".imported"); err != nil {
		t.Fatalf("the imported file was not kept: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the imported file is still under its name: %v", err)
	}
	if got, want := s.Last(-1), []Record{system, chat, direct}; !reflect.DeepEqual(got, want) {
		t.Errorf("Last(-1) =\n%+v\nwant\n%+v", got, want)
	}
	wantOutbox(t, s, outbox)
	wantOrigins(t, s, map[string]uint64{ann.ID: 41, bob.ID: 7})
	cut, err := s.TruncateAfter(1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Record{chat}; !reflect.DeepEqual(cut, want) {
		t.Errorf("TruncateAfter(1) cut\n%+v\nwant\n%+v", cut, want)
	}
	wantOrigins(t, s, map[string]uint64{ann.ID: 41, bob.ID: 6})
	if members, at, ok, err := s.ViewAt(2); err != nil || !ok || at != 1 || !reflect.DeepEqual(members, []Node{ann, bob}) {
		t.Errorf("ViewAt(2) = %v, %d, %v, %v", members, at, ok, err)
	}
	if first, ok := s.EpochStart(3); !ok || first != 1 {
		t.Errorf("EpochStart(3) = %d, %v", first, ok)
	}
}

// An upgraded node appends format 2 records after the format 1 ones it
// kept: the history reads as one, in order, and so does the outbox.
func TestLegacyFileGrowsInFormat2(t *testing.T) {
	system, chat, direct, outbox := legacyRecords()
	path := legacyFile(t)
	s := openImported(t, path)
	next := chat
	next.Seq, next.Lamport, next.OriginCounter, next.Text = 3, 13, 8, "after the upgrade"
	mustAppend(t, s, next)
	later := outbox
	later.ID, later.Msg.OriginCounter, later.Msg.Text = 6, 43, "queued after the upgrade"
	if err := s.OutboxPut(later); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Last(-1), []Record{system, chat, direct, next}; !reflect.DeepEqual(got, want) {
		t.Errorf("Last(-1) =\n%+v\nwant\n%+v", got, want)
	}
	wantOutbox(t, s, outbox, later)
	wantOrigins(t, s, map[string]uint64{ann.ID: 41, bob.ID: 8})

	// Open again: what the store holds now, not a second import.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openImported(t, path)
	if got, want := s.Last(-1), []Record{system, chat, direct, next}; !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening Last(-1) =\n%+v\nwant\n%+v", got, want)
	}
	wantOutbox(t, s, outbox, later)
}

// encodeAll writes each record of a batch as encode does, into one buffer
// whose values do not overlap: the last record appended to one value must
// not show in the next.
func TestEncodeAllIsEncode(t *testing.T) {
	system, chat, direct, _ := legacyRecords()
	long := chat
	long.Text = strings.Repeat("y", 3*recordEstimate) // past the buffer's first estimate
	batch := []Record{system, chat, long, direct, {}, chat}
	vals, err := encodeAll(batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != len(batch) {
		t.Fatalf("%d values for %d records", len(vals), len(batch))
	}
	for i, r := range batch {
		want, err := encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(vals[i], want) {
			t.Fatalf("record %d: encodeAll %x, encode %x", i, vals[i], want)
		}
		if cap(vals[i]) != len(vals[i]) {
			t.Fatalf("record %d: capacity %d past its length %d: an append would overwrite the next", i, cap(vals[i]), len(vals[i]))
		}
	}
}
