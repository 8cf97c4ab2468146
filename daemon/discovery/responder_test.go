package discovery

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/protocol"
)

var alice = chat.NodeRef{ID: "a11ce0000000000a", Name: "alice", Addr: "127.0.0.1:7733"}

func TestResponderAnswersQueryToGroup(t *testing.T) {
	group := testGroup()
	st := memberStatus("b0b0000000000000", "bob", "127.0.0.1:7734", "ring-1", alice, 2)
	startResponder(t, group, loopbackName(t), func() chat.Status { return st }, true)

	q := newQuerier(t)
	q.send(encodeQuery(Nonce{42}), group)
	nonce, a := q.next()
	want := Announcement{
		Ring: "ring-1", LeaderID: alice.ID, LeaderName: "alice", Members: 2,
		ID: st.ID, Name: "bob", Addr: st.Addr, Proto: protocol.Version, Secret: true,
	}
	if nonce != (Nonce{42}) || a != want {
		t.Fatalf("answer %v %+v, want %v %+v", nonce, a, Nonce{42}, want)
	}
}

// Bad datagrams get no answer and do not stop the responder: each is sent
// before a good query on the same path, and answers come back in order, so
// the first answer must be the good query's.
func TestResponderIgnoresBadDatagrams(t *testing.T) {
	group := testGroup()
	st := memberStatus("b0b0000000000000", "bob", "127.0.0.1:7734", "ring-1", alice, 2)
	_, logs := startResponder(t, group, loopbackName(t), func() chat.Status { return st }, false)
	q := newQuerier(t)

	short := encodeQuery(Nonce{1})[:headerSize]
	long := append(encodeQuery(Nonce{2}), 0)
	answerKind := encodeQuery(Nonce{3})
	answerKind[4] = kindAnswer
	badVersion := encodeQuery(Nonce{4})
	badVersion[5] = 9
	for _, b := range [][]byte{nil, short, long, answerKind, badVersion, []byte("hello"), make([]byte, QuerySize)} {
		q.send(b, group)
	}
	// A well-formed query sent to the port directly, not to the group.
	q.send(encodeQuery(Nonce{5}), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), group.Port()))

	q.send(encodeQuery(Nonce{6}), group)
	if nonce, _ := q.next(); nonce != (Nonce{6}) {
		t.Fatalf("first answer is to query %v: a bad datagram was answered", nonce)
	}
	if !strings.Contains(logs.String(), "datagrams ignored") {
		t.Errorf("no debug log of the ignored datagrams:\n%s", logs.String())
	}
}

// A node that is not a member of a ring does not answer, and answers once
// it is one. Its debug log tells when it has taken each query.
func TestResponderAnswersOnlyAsMember(t *testing.T) {
	group := testGroup()
	box := &statusBox{}
	_, logs := startResponder(t, group, loopbackName(t), box.get, false)
	q := newQuerier(t)

	for i, state := range []string{chat.StateDetached, chat.StateJoining, chat.StateElecting} {
		box.set(chat.Status{ID: "b0b0000000000000", Name: "bob", Addr: "127.0.0.1:7733", State: state})
		q.send(encodeQuery(Nonce{byte(i)}), group)
		testutil.WaitFor(t, 5*time.Second, "the responder takes the query sent while "+state, func() bool {
			return strings.Count(logs.String(), "not a member") == i+1
		})
	}
	box.set(memberStatus("b0b0000000000000", "bob", "127.0.0.1:7734", "ring-1", alice, 2))
	q.send(encodeQuery(Nonce{9}), group)
	if nonce, _ := q.next(); nonce != (Nonce{9}) {
		t.Fatalf("first answer is to query %v, sent while not a member", nonce)
	}
}

// A flood of queries gets at most the burst plus what the rate refills in
// the time it took.
func TestResponderRateLimit(t *testing.T) {
	group := testGroup()
	st := memberStatus("b0b0000000000000", "bob", "127.0.0.1:7734", "ring-1", alice, 2)
	r, err := Listen(Options{Group: group, Interface: loopbackName(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	q := newQuerier(t)
	src := q.conn.LocalAddr()
	cm := &ipv4.ControlMessage{Dst: net.IP(group.Addr().AsSlice())}

	const sent = answerBurst + 60
	start := time.Now()
	for i := range sent {
		r.answer(encodeQuery(Nonce{byte(i)}), cm, src, func() chat.Status { return st })
	}
	elapsed := time.Since(start)
	got := q.drain()
	allowed := answerBurst + int(elapsed.Seconds()*AnswerRate) + 1
	if got < answerBurst || got > allowed || got >= sent {
		t.Fatalf("%d queries in %v got %d answers, want from %d to %d", sent, elapsed, got, answerBurst, allowed)
	}
}

func TestResponderStopsWithContext(t *testing.T) {
	r, err := Listen(Options{Group: testGroup(), Interface: loopbackName(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Serve(ctx, func() chat.Status { return chat.Status{} }); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running 5s after its context ended")
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close after Serve: %v", err)
	}
}

func TestListenRefusesNonMulticastGroup(t *testing.T) {
	for _, g := range []string{"127.0.0.1:7734", "239.255.77.33:0"} {
		if r, err := Listen(Options{Group: netip.MustParseAddrPort(g)}); err == nil {
			r.Close()
			t.Errorf("Listen(%s) succeeded", g)
		}
	}
}

// A responder whose interface does not exist yet starts anyway and says so.
func TestResponderMissingInterfaceWarns(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	r, err := Listen(Options{Group: testGroup(), Interface: "no-such-if0", Logger: newTestLogger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !strings.Contains(logs.String(), "no-such-if0") {
		t.Fatalf("no warning about the missing interface:\n%s", logs.String())
	}
}
