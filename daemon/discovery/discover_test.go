package discovery

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

func fixed(st chat.Status) func() chat.Status { return func() chat.Status { return st } }

func TestDiscoverGroupsAnswersByRing(t *testing.T) {
	group, lo := testGroup(), loopbackName(t)
	carol := chat.NodeRef{ID: "ca401000000000c0", Name: "carol", Addr: "127.0.0.1:7003"}
	startResponder(t, group, lo, fixed(memberStatus(alice.ID, "alice", alice.Addr, "ring-1", alice, 2)), false)
	startResponder(t, group, lo, fixed(memberStatus("b0b0000000000000", "bob", "127.0.0.1:7002", "ring-1", alice, 2)), false)
	startResponder(t, group, lo, fixed(memberStatus(carol.ID, "carol", carol.Addr, "ring-2", carol, 1)), true)
	startResponder(t, group, lo, fixed(chat.Status{ID: "d0000000000000da", Name: "dave", Addr: "127.0.0.1:7004", State: chat.StateDetached}), false)

	rings, err := Discover(context.Background(), Query{Group: group, Interface: lo, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	want := []Ring{
		{ID: "ring-1", Leader: alice, Members: 2, Proto: protocol.Version, Nodes: []Node{
			{ID: alice.ID, Name: "alice", Addr: alice.Addr},
			{ID: "b0b0000000000000", Name: "bob", Addr: "127.0.0.1:7002"},
		}},
		{ID: "ring-2", Leader: carol, Members: 1, Secret: true, Proto: protocol.Version, Nodes: []Node{
			{ID: carol.ID, Name: "carol", Addr: carol.Addr},
		}},
	}
	// Where an answer comes from is the host's choice of source address.
	for _, r := range rings {
		for i := range r.Nodes {
			if r.Nodes[i].From == "" {
				t.Errorf("node %s: no source address", r.Nodes[i].Name)
			}
			r.Nodes[i].From = ""
		}
	}
	if !reflect.DeepEqual(rings, want) {
		t.Fatalf("Discover found\n%+v\nwant\n%+v", rings, want)
	}
	if rings[0].JoinAddr() != alice.Addr {
		t.Errorf("join address %s, want the leader's %s", rings[0].JoinAddr(), alice.Addr)
	}
}

// With no interface named, the query goes out on every interface; a
// responder that hears it on several is listed once.
func TestDiscoverOnEveryInterface(t *testing.T) {
	group := testGroup()
	startResponder(t, group, "", fixed(memberStatus(alice.ID, "alice", alice.Addr, "ring-1", alice, 1)), false)
	rings, err := Discover(context.Background(), Query{Group: group, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rings) != 1 || len(rings[0].Nodes) != 1 || rings[0].Nodes[0].ID != alice.ID {
		t.Fatalf("Discover found %+v, want alice's ring once", rings)
	}
}

func TestDiscoverFindsNothing(t *testing.T) {
	start := time.Now()
	rings, err := Discover(context.Background(), Query{Group: testGroup(), Interface: loopbackName(t), Timeout: 100 * time.Millisecond})
	if err != nil || len(rings) != 0 || rings == nil {
		t.Fatalf("Discover = %#v, %v; want an empty list", rings, err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("returned after %v, before its timeout", waited)
	}
}

// Whatever a stranger answers, only valid answers to this query count,
// one per node.
func TestDiscoverIgnoresBadAnswers(t *testing.T) {
	group := testGroup()
	x := validAnnouncement()
	y := validAnnouncement()
	y.ID, y.Name, y.Addr = "0000000000000007", "yves", "10.77.0.7:7733"
	xAgain := x
	xAgain.Name = "impostor"
	invalid := validAnnouncement()
	invalid.ID, invalid.Name = "0000000000000009", "evil\x1b]52;c;aGk=\a"
	fakeResponder(t, group, func(n Nonce) [][]byte {
		return [][]byte{
			[]byte("garbage"),
			rawAnswer(t, Nonce{0xee}, validAnnouncement()), // another query's
			rawAnswer(t, n, invalid),
			append(rawAnswer(t, n, validAnnouncement()), make([]byte, MaxAnswer)...),
			encodeQuery(n),
			rawAnswer(t, n, x),
			rawAnswer(t, n, xAgain),
			rawAnswer(t, n, y),
		}
	})
	rings, err := Discover(context.Background(), Query{Group: group, Interface: loopbackName(t), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rings) != 1 || len(rings[0].Nodes) != 2 {
		t.Fatalf("Discover found %+v, want one ring with bob and yves", rings)
	}
	for _, n := range rings[0].Nodes {
		if n.Name != "bob" && n.Name != "yves" {
			t.Errorf("node %+v should have been ignored", n)
		}
	}
}

func TestDiscoverStopsAtMaxNodes(t *testing.T) {
	group := testGroup()
	fakeResponder(t, group, func(n Nonce) [][]byte {
		var out [][]byte
		for i := range 10 {
			a := validAnnouncement()
			a.ID = fmt.Sprintf("%016x", i)
			out = append(out, rawAnswer(t, n, a))
		}
		return out
	})
	start := time.Now()
	rings, err := Discover(context.Background(), Query{Group: group, Interface: loopbackName(t), Timeout: 30 * time.Second, MaxNodes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rings) != 1 || len(rings[0].Nodes) != 5 {
		t.Fatalf("Discover found %+v, want one ring of 5 answering nodes", rings)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("Discover waited %v after it had all the answers it keeps", waited)
	}
}

// The query is sent again halfway through the timeout, so one lost query
// loses nothing.
func TestDiscoverSendsQueryTwice(t *testing.T) {
	group := testGroup()
	var queries atomic.Int32
	fakeResponder(t, group, func(n Nonce) [][]byte {
		if queries.Add(1) == 1 {
			return nil // "lost"
		}
		return [][]byte{rawAnswer(t, n, validAnnouncement())}
	})
	rings, err := Discover(context.Background(), Query{Group: group, Interface: loopbackName(t), Timeout: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rings) != 1 || queries.Load() != 2 {
		t.Fatalf("found %+v after %d queries; want one ring after 2", rings, queries.Load())
	}
}

func TestDiscoverCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Discover(ctx, Query{Group: testGroup(), Interface: loopbackName(t), Timeout: 30 * time.Second})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Discover = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Discover still running 5s after its context was cancelled")
	}
}

func TestDiscoverRefusesBadInput(t *testing.T) {
	lo := loopbackName(t)
	for name, q := range map[string]Query{
		"missing interface": {Group: testGroup(), Interface: "no-such-if0"},
		"negative timeout":  {Group: testGroup(), Interface: lo, Timeout: -time.Second},
		"long timeout":      {Group: testGroup(), Interface: lo, Timeout: MaxTimeout + time.Second},
		"unicast group":     {Group: netip.MustParseAddrPort("127.0.0.1:7734"), Interface: lo},
		"port 0":            {Group: netip.MustParseAddrPort("239.255.77.33:0"), Interface: lo},
	} {
		if _, err := Discover(context.Background(), q); err == nil {
			t.Errorf("%s: Discover succeeded", name)
		}
	}
}

// Without the leader's own answer, the first answer names the leader and
// the ring is joined through a member that answered.
func TestRingsWithoutLeaderAnswer(t *testing.T) {
	c := newCollector(Nonce{}, nil)
	bob := validAnnouncement()
	bob.Members = 2
	zed := validAnnouncement()
	zed.ID, zed.Name, zed.Addr, zed.Members, zed.Secret = "000000000000000z", "zed", "10.77.0.9:7733", 3, false
	c.answers = []answer{{a: zed, from: "10.77.0.9"}, {a: bob, from: "10.77.0.2"}}
	rings := c.rings()
	if len(rings) != 1 {
		t.Fatalf("rings %+v", rings)
	}
	r := rings[0]
	if r.Leader != (chat.NodeRef{ID: bob.LeaderID, Name: "alice"}) || r.Members != 3 || !r.Secret {
		t.Fatalf("ring %+v: want leader alice without address, 3 members, secret", r)
	}
	if r.Nodes[0].Name != "bob" || r.JoinAddr() != bob.Addr {
		t.Fatalf("nodes %+v: want bob first (by name), joined through %s", r.Nodes, bob.Addr)
	}
}
