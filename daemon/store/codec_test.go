package store

import (
	"path/filepath"
	"reflect"
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

// A file of the earlier version reads as it was written: its history, its
// outbox, and the counters of the records TruncateAfter cuts.
// legacyFile is a store file as the version before format 2 left it: the
// legacy records in its history and outbox (every other bucket was and is
// written alike).
func legacyFile(t *testing.T) string {
	t.Helper()
	system, chat, direct, outbox := legacyRecords()
	path := filepath.Join(t.TempDir(), "ring.db")
	s := openAt(t, path, Options{KeepUncommitted: true})
	mustAppend(t, s, system, chat, direct)
	if err := s.OutboxPut(outbox); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(bucketMsgs)
		for _, kv := range []struct {
			k []byte
			v string
		}{{msgKey(1, 0), legacySystem}, {msgKey(2, 0), legacyChat}, {msgKey(2, 1), legacyDirect}} {
			if msgs.Get(kv.k) == nil {
				t.Fatalf("no record under %x", kv.k)
			}
			if err := msgs.Put(kv.k, []byte(kv.v)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketOutbox).Put(u64(outbox.ID), []byte(legacyOutbox))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLegacyFile(t *testing.T) {
	system, chat, direct, outbox := legacyRecords()
	path := legacyFile(t)
	s := openAt(t, path, Options{KeepUncommitted: true})
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
}

// An upgraded node appends format 2 records after the format 1 ones it
// kept: the history reads as one, in order, and so does the outbox.
func TestLegacyFileGrowsInFormat2(t *testing.T) {
	system, chat, direct, outbox := legacyRecords()
	path := legacyFile(t)
	s := openAt(t, path, Options{KeepUncommitted: true})
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
}
