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

func TestLeaveDetachesAndSayIsRefused(t *testing.T) {
	a := startTestNode(t, "alice")
	b := startTestNode(t, "bob")
	if _, errOut, code := runCtl(context.Background(), "", "-s", b.socket, "join", a.node.Self().Addr); code != 0 {
		t.Fatalf("join: %s", errOut)
	}
	out, errOut, code := runCtl(context.Background(), "", "-s", b.socket, "-o", "json", "leave")
	if code != 0 {
		t.Fatalf("leave: exit %d: %s", code, errOut)
	}
	var st chat.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.State != chat.StateDetached {
		t.Fatalf("status after leave %q (%v)", out, err)
	}
	waitFor(t, 5*time.Second, "alice sees bob gone", func() bool { return a.node.Status().Members == 1 })
	_, errOut, code = runCtl(context.Background(), "", "-s", b.socket, "say", "anyone?")
	if code != cli.ExitFailure || !strings.Contains(errOut, "join") {
		t.Fatalf("say while detached: exit %d stderr %q", code, errOut)
	}
	if _, errOut, code := runCtl(context.Background(), "", "-s", b.socket, "leave"); code != cli.ExitFailure || !strings.Contains(errOut, "not a member") {
		t.Fatalf("second leave: exit %d stderr %q", code, errOut)
	}
}
