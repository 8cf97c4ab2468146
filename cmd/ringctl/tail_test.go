package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/cli"
)

func daemonLast(n int) watch.Query { return watch.Query{N: n} }

func decodeMessages(t *testing.T, out string) []chat.Message {
	t.Helper()
	var ms []chat.Message
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m chat.Message
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		ms = append(ms, m)
	}
	return ms
}

func say(t *testing.T, n *testNode, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if _, err := n.node.Say(context.Background(), s, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTailLastAndSince(t *testing.T) {
	n := startTestNode(t, "alice")
	say(t, n, "one", "two", "three")

	out, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "-o", "json", "tail", "-n", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ms := decodeMessages(t, out)
	if len(ms) != 2 || ms[0].Text != "two" || ms[1].Text != "three" || ms[1].Seq != ms[0].Seq+1 {
		t.Fatalf("tail -n 2 = %+v", ms)
	}
	if ms[1].From.Name != "alice" || ms[1].Kind != chat.KindChat || ms[1].Lamport == 0 || ms[1].Time.IsZero() {
		t.Fatalf("message fields %+v", ms[1])
	}

	out, _, _ = runCtl(context.Background(), "", "-s", n.socket, "-o", "json", "tail", "--since", "2")
	ms = decodeMessages(t, out)
	if len(ms) != 2 || ms[0].Seq != 3 {
		t.Fatalf("tail --since 2 = %+v", ms)
	}

	out, _, _ = runCtl(context.Background(), "", "-s", n.socket, "tail")
	if !strings.Contains(out, "alice(") || !strings.Contains(out, "]: three") || !strings.Contains(out, "***") {
		t.Fatalf("text tail %q", out)
	}
}

func TestTailFollowSeesNewMessages(t *testing.T) {
	n := startTestNode(t, "alice")
	say(t, n, "before")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		ios := cli.Streams{In: strings.NewReader(""), Out: out, Err: &syncBuffer{}}
		done <- execute(ctx, []string{"-s", n.socket, "tail", "-f", "-n", "1"}, ios, func(string) string { return "" })
	}()
	waitFor(t, 5*time.Second, "backlog printed", func() bool { return strings.Contains(out.String(), "before") })
	say(t, n, "after")
	waitFor(t, 5*time.Second, "new message followed", func() bool { return strings.Contains(out.String(), "after") })
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("interrupted tail -f exit %d, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("tail -f did not stop after cancel")
	}
	if strings.Count(out.String(), "before") != 1 || strings.Count(out.String(), "after") != 1 {
		t.Fatalf("each message exactly once: %q", out.String())
	}
}

func TestTailUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"tail", "-n", "2", "--since", "1"},
		{"tail", "-n", "-1"},
		{"tail", "--since", "x"},
		{"tail", "extra"},
	} {
		_, _, code := runCtl(context.Background(), "", append([]string{"-s", "/nonexistent/sock"}, args...)...)
		if code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}
