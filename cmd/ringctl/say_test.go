package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/cli"
)

func TestSayReturnsReceipt(t *testing.T) {
	n := startTestNode(t, "alice")
	out, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "-o", "json", "say", "hello", "world")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var rc chat.Receipt
	if err := json.Unmarshal([]byte(out), &rc); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if rc.Seq == 0 || rc.Lamport == 0 || !strings.HasPrefix(rc.ID, n.node.Self().ID+"/") {
		t.Fatalf("receipt %+v", rc)
	}
	hist := n.node.History(daemonLast(1))
	if len(hist) != 1 || hist[0].Text != "hello world" || hist[0].Seq != rc.Seq {
		t.Fatalf("history %+v, want hello world at seq %d", hist, rc.Seq)
	}

	out, _, code = runCtl(context.Background(), "", "-s", n.socket, "say", "again")
	if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("seq %d ", rc.Seq+1)) {
		t.Fatalf("text receipt %q (exit %d)", out, code)
	}
}

func TestSayRefusesControlCharacters(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "say", "bad\x1b[2J")
	if want := "ringctl: message carries control character U+001B at byte 3\n"; code != cli.ExitUsage || errOut != want {
		t.Fatalf("exit %d stderr %q, want %d %q", code, errOut, cli.ExitUsage, want)
	}
	_, errOut, code = runCtl(context.Background(), "", "-s", n.socket, "say", "bad\xff")
	if want := "ringctl: message is not valid UTF-8\n"; code != cli.ExitUsage || errOut != want {
		t.Fatalf("invalid UTF-8: exit %d stderr %q, want %d %q", code, errOut, cli.ExitUsage, want)
	}
	for _, m := range n.node.History(daemonLast(100)) {
		if strings.HasPrefix(m.Text, "bad") {
			t.Fatalf("refused message reached the node: %+v", m)
		}
	}
}

func TestSayStdinKeepsInputOrder(t *testing.T) {
	n := startTestNode(t, "alice")
	var in strings.Builder
	const count = 300
	for i := range count {
		fmt.Fprintf(&in, "line %d\n", i)
		if i == 10 {
			in.WriteString("\n") // blank lines are skipped
		}
	}
	out, errOut, code := runCtl(context.Background(), in.String(), "-s", n.socket, "-o", "json", "say", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != count {
		t.Fatalf("%d receipts, want %d", len(lines), count)
	}
	bySeq := map[uint64]string{}
	for _, m := range n.node.History(daemonLast(count + 10)) {
		bySeq[m.Seq] = m.Text
	}
	var prev uint64
	for i, l := range lines {
		var rc chat.Receipt
		if err := json.Unmarshal([]byte(l), &rc); err != nil {
			t.Fatalf("receipt %d %q: %v", i, l, err)
		}
		if rc.Seq <= prev {
			t.Fatalf("line %d sequenced at %d, not after the line before it (%d): input order lost", i, rc.Seq, prev)
		}
		prev = rc.Seq
		if want := fmt.Sprintf("line %d", i); bySeq[rc.Seq] != want {
			t.Fatalf("receipt %d has seq %d carrying %q, want %q", i, rc.Seq, bySeq[rc.Seq], want)
		}
	}
}

func TestSayStdinRefusesBadLine(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "ok\nbad \x07 bell\n", "-s", n.socket, "say", "-")
	if code != cli.ExitUsage || !strings.Contains(errOut, "line 2") {
		t.Fatalf("exit %d stderr %q, want 2 naming line 2", code, errOut)
	}
}

func TestSayDirectToUnknownMember(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "say", "--to", "bob", "hi")
	if code != cli.ExitFailure || !strings.Contains(errOut, `no member of the ring is named "bob"`) {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}

func TestSayNeedsText(t *testing.T) {
	_, _, code := runCtl(context.Background(), "", "-s", "/nonexistent/sock", "say")
	if code != cli.ExitUsage {
		t.Fatalf("exit %d, want %d", code, cli.ExitUsage)
	}
}

// Text no daemon would take is refused before ringctl dials: with no
// daemon at the socket, the exit code is still 2, not 3.
func TestSayRefusesBadTextWithoutDaemon(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"bad\x1b[2J", "ringctl: message carries control character U+001B at byte 3\n"},
		{"tab\tin", "ringctl: message carries control character U+0009 at byte 3\n"},
		{"bad\xff", "ringctl: message is not valid UTF-8\n"},
		{strings.Repeat("x", chat.MaxText+1), fmt.Sprintf("ringctl: message of %d bytes, the limit is %d\n", chat.MaxText+1, chat.MaxText)},
	} {
		_, errOut, code := runCtl(context.Background(), "", "-s", "/nonexistent/ringd.sock", "say", tt.text)
		if code != cli.ExitUsage || errOut != tt.want {
			t.Errorf("say %.20q: exit %d stderr %q, want %d %q", tt.text, code, errOut, cli.ExitUsage, tt.want)
		}
	}
}

// The size limit is the daemon's (limits.max_text), which ringctl does not
// know: the daemon refuses, and ringctl prints its error and exits 1.
func TestSayOverDaemonLimit(t *testing.T) {
	n := startTestNode(t, "alice")
	long := strings.Repeat("x", chat.DefaultMaxText+1)
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "say", long)
	want := fmt.Sprintf("ringctl: ringd refused: invalid text: message of %d bytes, the limit is %d (limits.max_text of this ringd)\n",
		chat.DefaultMaxText+1, chat.DefaultMaxText)
	if code != cli.ExitFailure || errOut != want {
		t.Fatalf("exit %d stderr %q, want %d %q", code, errOut, cli.ExitFailure, want)
	}
	if _, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "say", long[1:]); code != 0 {
		t.Fatalf("a message at the limit: exit %d stderr %q", code, errOut)
	}
	for _, m := range n.node.History(daemonLast(100)) {
		if m.Text == long {
			t.Fatalf("the refused message was sequenced at %d", m.Seq)
		}
	}
}

func TestSayStdinOverDaemonLimit(t *testing.T) {
	n := startTestNode(t, "alice")
	in := "first\n" + strings.Repeat("x", chat.DefaultMaxText+1) + "\nthird\n"
	out, errOut, code := runCtl(context.Background(), in, "-s", n.socket, "-o", "json", "say", "-")
	if code != cli.ExitFailure || !strings.Contains(errOut, "line 2") || !strings.Contains(errOut, "limits.max_text") {
		t.Fatalf("exit %d stderr %q, want 1 naming line 2 and limits.max_text", code, errOut)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 {
		t.Fatalf("receipts %q, want the first line's only", out)
	}
}

func TestSayStdinLineTooLong(t *testing.T) {
	n := startTestNode(t, "alice")
	in := strings.Repeat("x", chat.MaxText+3) + "\n"
	_, errOut, code := runCtl(context.Background(), in, "-s", n.socket, "say", "-")
	want := fmt.Sprintf("stdin line 1: longer than %d bytes", chat.MaxText)
	if code != cli.ExitUsage || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d stderr %q, want %d %q", code, errOut, cli.ExitUsage, want)
	}
}
