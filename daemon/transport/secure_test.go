package transport

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/protocol"
	"github.com/ringchat/ring/protocol/secure"
)

func newKey(t *testing.T) secure.Key {
	t.Helper()
	k, err := secure.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSecretExchange(t *testing.T) {
	k := newKey(t)
	a := startNode(t, 1, "", Options{Keys: []secure.Key{k}})
	b := startNode(t, 2, "", Options{Keys: []secure.Key{k}})
	for i := uint64(1); i <= 200; i++ {
		a.tr.Send(b.info, i, 1, protocol.Ack{Seq: i})
	}
	for i := uint64(1); i <= 200; i++ {
		expectAck(t, b, a.info.ID, i)
	}
	// Batches of large frames span several encrypted records.
	big := bigSubmit(60 << 10)
	for i := range 5 {
		a.tr.Send(b.info, uint64(201+i), 1, big)
	}
	for range 5 {
		if in := recvOne(t, b); in.Msg.(protocol.Submit).Entry.Text != big.Entry.Text {
			t.Fatal("large frame changed on the way")
		}
	}
}

// refusedPair starts a receiver with recvKeys and a sender with sendKeys,
// sends one message and checks that the receiver refused the connection,
// logged why, and that the sender saw the peer go down.
func refusedPair(t *testing.T, sendKeys, recvKeys []secure.Key, logged string) {
	t.Helper()
	var logs testutil.SyncBuffer
	b := startNode(t, 2, "", Options{Keys: recvKeys, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	a := startNode(t, 1, "", Options{Keys: sendKeys})
	a.tr.Send(b.info, 1, 1, protocol.Ack{Seq: 1})
	if down := downOne(t, a); down.Addr != b.info.Addr {
		t.Fatalf("down report for %v", down)
	}
	waitUntil(t, func() bool { return strings.Contains(logs.String(), logged) })
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("refusal not logged as a warning:\n%s", logs.String())
	}
	select {
	case in := <-b.tr.Receive():
		t.Fatalf("refused peer delivered %+v", in)
	default:
	}
}

func TestWrongSecretRefused(t *testing.T) {
	refusedPair(t, []secure.Key{newKey(t)}, []secure.Key{newKey(t)}, "does not hold this ring's secret")
}

func TestOpenPeerRefusedBySecureRing(t *testing.T) {
	refusedPair(t, nil, []secure.Key{newKey(t)}, errPeerOpen.Error())
}

func TestSecurePeerRefusedByOpenNode(t *testing.T) {
	refusedPair(t, []secure.Key{newKey(t)}, nil, errPeerSecure.Error())
}

func TestSecretChangeAcceptsOldAndNew(t *testing.T) {
	oldKey, newKey := newKey(t), newKey(t)
	b := startNode(t, 2, "", Options{Keys: []secure.Key{oldKey}})
	a := startNode(t, 1, "", Options{Keys: []secure.Key{oldKey}})
	a.tr.Send(b.info, 1, 1, protocol.Ack{Seq: 1})
	expectAck(t, b, a.info.ID, 1)

	// Step 1 on b: accept the new key too. Step 2 on a: connect with it.
	b.tr.SetKeys([]secure.Key{oldKey, newKey})
	a.tr.SetKeys([]secure.Key{newKey, oldKey})
	a.tr.Forget(b.info)
	a.tr.Send(b.info, 2, 1, protocol.Ack{Seq: 2}) // a fresh connection, new key
	expectAck(t, b, a.info.ID, 2)

	// Step 3: the old key is gone; a node still on it is refused.
	b.tr.SetKeys([]secure.Key{newKey})
	c := startNode(t, 3, "", Options{Keys: []secure.Key{oldKey}})
	c.tr.Send(b.info, 1, 1, protocol.Ack{Seq: 1})
	if down := downOne(t, c); down.Addr != b.info.Addr {
		t.Fatalf("down report for %v", down)
	}
}
