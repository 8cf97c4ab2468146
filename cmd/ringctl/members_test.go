package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
)

func TestMembers(t *testing.T) {
	n := startTestNode(t, "alice")
	out, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "-o", "json", "members")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var ms []chat.Member
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Name != "alice" || ms[0].Role != chat.RoleLeader || ms[0].State != chat.PresenceAlive || ms[0].LastSeen.IsZero() {
		t.Fatalf("members %+v", ms)
	}
	out, _, _ = runCtl(context.Background(), "", "-s", n.socket, "members")
	if !strings.Contains(out, "NAME") || !strings.Contains(out, "alice") || !strings.Contains(out, "leader") {
		t.Fatalf("text members %q", out)
	}
}
