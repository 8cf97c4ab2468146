package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/cli"
)

func TestJoinUsage(t *testing.T) {
	for _, args := range [][]string{
		{"join", "nocolon"}, {"join", "a:1", "b:2"},
		{"join", "--group", "10.0.0.1:1"}, {"join", "--timeout", "-1s"},
	} {
		_, _, code := runCtl(context.Background(), "", append([]string{"-s", "/nonexistent/sock"}, args...)...)
		if code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

// Without an address, join asks the daemon first: with none it fails at
// once, before waiting for answers from the LAN.
func TestJoinDiscoveredNeedsDaemon(t *testing.T) {
	start := time.Now()
	_, errOut, code := runCtl(context.Background(), "", "-s", "/nonexistent/sock", "join", "--timeout", "30s")
	if code != exitNoDaemon || !strings.Contains(errOut, "/nonexistent/sock") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("took %v: it waited for the LAN", waited)
	}
}

func TestJoinThenSayReachesBoth(t *testing.T) {
	a := startTestNode(t, "alice")
	b := startTestNode(t, "bob")
	out, errOut, code := runCtl(context.Background(), "", "-s", b.socket, "-o", "json", "join", a.node.Self().Addr)
	if code != 0 {
		t.Fatalf("join: exit %d: %s", code, errOut)
	}
	var st chat.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != chat.StateMember || st.Members != 2 || st.Leader.ID != a.node.Self().ID {
		t.Fatalf("status after join %+v", st)
	}
	if _, errOut, code := runCtl(context.Background(), "", "-s", b.socket, "say", "hi from bob"); code != 0 {
		t.Fatalf("say: exit %d: %s", code, errOut)
	}
	waitFor(t, 5*time.Second, "alice stores bob's message", func() bool {
		out, _, _ := runCtl(context.Background(), "", "-s", a.socket, "tail", "-n", "5")
		return strings.Contains(out, "bob(") && strings.Contains(out, "hi from bob")
	})
}

func TestJoinUnreachableFails(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "join", "127.0.0.1:1")
	if code != cli.ExitFailure || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}
