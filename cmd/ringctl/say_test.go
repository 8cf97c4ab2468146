package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
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
	before := n.node.Status().LastSeq
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "say", "bad\x1b[2J")
	if code != exitUsage || !strings.Contains(errOut, "control character") {
		t.Fatalf("exit %d stderr %q, want 2 naming the control character", code, errOut)
	}
	if n.node.Status().LastSeq != before {
		t.Fatal("refused message reached the node")
	}
	_, errOut, code = runCtl(context.Background(), "", "-s", n.socket, "say", "bad\xff")
	if code != exitUsage || !strings.Contains(errOut, "UTF-8") {
		t.Fatalf("invalid UTF-8: exit %d stderr %q", code, errOut)
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
	if code != exitUsage || !strings.Contains(errOut, "line 2") {
		t.Fatalf("exit %d stderr %q, want 2 naming line 2", code, errOut)
	}
}

func TestSayDirectNotYetImplemented(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "say", "--to", "bob", "hi")
	if code != exitFailed || !strings.Contains(errOut, "not implemented") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}

func TestSayNeedsText(t *testing.T) {
	_, _, code := runCtl(context.Background(), "", "-s", "/nonexistent/sock", "say")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
}
