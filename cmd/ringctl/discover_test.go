package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/testutil"
)

// Discovery tests run on the loopback interface, each on a multicast group
// and port of its own, so that they neither leave the host nor hear each
// other or a real ringd. Ports stay below the ephemeral range (32768 on),
// where other tests' sockets would be.

type lan struct {
	group string
	iface string
}

func newLAN(t *testing.T) lan {
	t.Helper()
	iface := testutil.LoopbackInterface(t)
	group := fmt.Sprintf("239.255.%d.%d:%d", 100+rand.IntN(100), 1+rand.IntN(254), 20000+rand.IntN(12000))
	return lan{group: group, iface: iface}
}

// flags are the ringctl flags that make it look on this LAN.
func (l lan) flags() []string {
	return []string{"--group", l.group, "--interface", l.iface, "--timeout", "300ms"}
}

// announce makes n answer discovery queries on the LAN until the test ends.
func (l lan) announce(t *testing.T, n *testNode) {
	t.Helper()
	group, err := discovery.ParseGroup(l.group)
	if err != nil {
		t.Fatal(err)
	}
	r, err := discovery.Listen(discovery.Options{Group: group, Interface: l.iface})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Serve(ctx, n.node.Status); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestDiscoverListsRings(t *testing.T) {
	l := newLAN(t)
	a, c := startTestNode(t, "alice"), startTestNode(t, "carol")
	l.announce(t, a)
	l.announce(t, c)

	out, errOut, code := runCtl(context.Background(), "", append([]string{"-s", "/nonexistent/sock", "-o", "json", "discover"}, l.flags()...)...)
	if code != 0 {
		t.Fatalf("discover: exit %d: %s", code, errOut)
	}
	var rings []discovery.Ring
	if err := json.Unmarshal([]byte(out), &rings); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if len(rings) != 2 {
		t.Fatalf("found %+v, want alice's and carol's rings", rings)
	}
	for i, n := range []*testNode{a, c} {
		st := n.node.Status()
		r := rings[i]
		if r.ID != st.Ring || r.Leader.ID != st.ID || r.Members != 1 || r.JoinAddr() != st.Addr || r.Secret {
			t.Errorf("ring %d: %+v, want %s's ring %s at %s", i, r, st.Name, st.Ring, st.Addr)
		}
	}

	out, errOut, code = runCtl(context.Background(), "", append([]string{"discover"}, l.flags()...)...)
	if code != 0 {
		t.Fatalf("discover: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "LEADER") ||
		!strings.Contains(lines[1], "alice("+a.node.Self().Addr+")") || !strings.Contains(lines[2], "carol(") {
		t.Fatalf("text output:\n%s", out)
	}
}

func TestDiscoverFindsNothing(t *testing.T) {
	l := newLAN(t)
	out, errOut, code := runCtl(context.Background(), "", append([]string{"discover"}, l.flags()...)...)
	if code != 0 || out != "" || !strings.Contains(errOut, "no ring answered on the LAN (multicast group "+l.group) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = runCtl(context.Background(), "", append([]string{"-o", "json", "discover"}, l.flags()...)...)
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("json: exit %d, stdout %q", code, out)
	}
}

func TestDiscoverBadFlags(t *testing.T) {
	l := newLAN(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--group", "10.0.0.1:7734"}, cli.ExitUsage, "not an IPv4 multicast address"},
		{[]string{"--group", "239.255.77.33"}, cli.ExitUsage, "not host:port"},
		{[]string{"--timeout", "0s"}, cli.ExitUsage, "--timeout must be positive"},
		{[]string{"--timeout", "2m"}, cli.ExitUsage, "at most 1m0s"},
		{[]string{"--timeout", "soon"}, cli.ExitUsage, "invalid argument"},
		{[]string{"extra"}, cli.ExitUsage, "unknown command"},
		{[]string{"--interface", "no-such-if0"}, cli.ExitFailure, "no-such-if0"},
	} {
		args := append([]string{"discover", "--group", l.group}, tc.args...)
		_, errOut, code := runCtl(context.Background(), "", args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// The wait is bounded by --timeout, not by anything on the network.
func TestDiscoverWaitsForTimeout(t *testing.T) {
	l := newLAN(t)
	start := time.Now()
	_, errOut, code := runCtl(context.Background(), "", "discover", "--group", l.group, "--interface", l.iface, "--timeout", "150ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond || waited > 10*time.Second {
		t.Fatalf("discover --timeout 150ms took %v", waited)
	}
}
