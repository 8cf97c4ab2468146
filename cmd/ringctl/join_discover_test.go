package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/cli"
)

// asTerminal makes join take stdin for a terminal until the test ends.
func asTerminal(t *testing.T) {
	saved := stdinIsTerminal
	stdinIsTerminal = func(io.Reader) bool { return true }
	t.Cleanup(func() { stdinIsTerminal = saved })
}

func joinLAN(t *testing.T, l lan, n *testNode, stdin string) (chat.Status, string, int) {
	t.Helper()
	args := append([]string{"-s", n.socket, "-o", "json", "join"}, l.flags()...)
	out, errOut, code := runCtl(context.Background(), stdin, args...)
	var st chat.Status
	if code == 0 {
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("join output %q: %v", out, err)
		}
	}
	return st, errOut, code
}

// The joining node answers too, but its own ring is not one to join.
func TestJoinWithoutAddressJoinsTheRingFound(t *testing.T) {
	l := newLAN(t)
	a, b := startTestNode(t, "alice"), startTestNode(t, "bob")
	l.announce(t, a)
	l.announce(t, b)

	st, errOut, code := joinLAN(t, l, b, "")
	if code != 0 {
		t.Fatalf("join: exit %d: %s", code, errOut)
	}
	if st.State != chat.StateMember || st.Members != 2 || st.Leader.ID != a.node.Self().ID || st.Ring != a.node.Status().Ring {
		t.Fatalf("status after join %+v", st)
	}
	if !strings.Contains(errOut, "joining ring "+st.Ring+" (leader alice) through "+a.node.Self().Addr) {
		t.Errorf("stderr %q does not say which ring it joins", errOut)
	}
}

func TestJoinWithoutAddressFindsNone(t *testing.T) {
	l := newLAN(t)
	b := startTestNode(t, "bob")
	_, errOut, code := joinLAN(t, l, b, "")
	if code != cli.ExitFailure || !strings.Contains(errOut, "no ring answered on the LAN") || !strings.Contains(errOut, "ringctl join HOST:PORT") {
		t.Fatalf("nobody answering: exit %d, stderr %q", code, errOut)
	}
	l.announce(t, b)
	_, errOut, code = joinLAN(t, l, b, "")
	if code != cli.ExitFailure || !strings.Contains(errOut, "no ring other than this node's own answered") {
		t.Fatalf("only its own ring answering: exit %d, stderr %q", code, errOut)
	}
	if st := b.node.Status(); st.Members != 1 || st.Leader.ID != st.ID {
		t.Fatalf("bob's ring changed: %+v", st)
	}
}

// startRings starts alice and carol, each leading a ring of her own that
// answers on l, and bob, who joins.
func startRings(t *testing.T, l lan) (a, b, c *testNode) {
	a, b, c = startTestNode(t, "alice"), startTestNode(t, "bob"), startTestNode(t, "carol")
	l.announce(t, a)
	l.announce(t, c)
	return a, b, c
}

func TestJoinWithoutAddressSeveralNoTerminal(t *testing.T) {
	l := newLAN(t)
	a, b, c := startRings(t, l)
	_, errOut, code := joinLAN(t, l, b, "1\n")
	if code != cli.ExitUsage || !strings.Contains(errOut, "2 rings answered on the LAN") ||
		!strings.Contains(errOut, "alice("+a.node.Self().Addr+")") || !strings.Contains(errOut, "carol("+c.node.Self().Addr+")") ||
		!strings.Contains(errOut, "ringctl join HOST:PORT") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if st := b.node.Status(); st.Members != 1 || st.Leader.ID != st.ID {
		t.Fatalf("bob joined a ring nobody chose: %+v", st)
	}
}

// On a terminal join lists the rings, asks, asks again after a bad answer,
// and joins the one chosen (rings are listed by leader name).
func TestJoinWithoutAddressSeveralAsks(t *testing.T) {
	asTerminal(t)
	l := newLAN(t)
	_, b, c := startRings(t, l)
	st, errOut, code := joinLAN(t, l, b, "3\n"+strings.Repeat("9", 100)+"\n 2 \n")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if st.Members != 2 || st.Leader.ID != c.node.Self().ID {
		t.Fatalf("bob chose carol's ring but reports %+v", st)
	}
	if strings.Count(errOut, "join which ring? [1-2]: ") != 3 || strings.Count(errOut, "please answer with a number from 1 to 2") != 2 ||
		!strings.Contains(errOut, "#  RING") {
		t.Fatalf("stderr:\n%s", errOut)
	}
}

func TestJoinWithoutAddressSeveralNoAnswer(t *testing.T) {
	asTerminal(t)
	l := newLAN(t)
	_, b, _ := startRings(t, l)
	for stdin, want := range map[string]string{
		"":             "no ring chosen (end of input)",
		"x\ny\n0\n1\n": "no ring chosen after 3 answers",
	} {
		_, errOut, code := joinLAN(t, l, b, stdin)
		if code != cli.ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("stdin %q: exit %d, stderr %q; want %q", stdin, code, errOut, want)
		}
	}
	if st := b.node.Status(); st.Members != 1 {
		t.Fatalf("bob joined a ring nobody chose: %+v", st)
	}
}
