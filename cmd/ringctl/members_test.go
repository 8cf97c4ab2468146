package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

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

func TestWriteMembersShowsStateAndLastSeen(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ms := []chat.Member{
		{ID: "aaaaaaaaaaaaaaaa", Name: "alice", Addr: "127.0.0.1:1", Role: chat.RoleLeader, State: chat.PresenceAlive, LastSeen: now},
		{ID: "bbbbbbbbbbbbbbbb", Name: "bob", Addr: "127.0.0.1:2", Role: chat.RoleMember, State: chat.PresenceSuspect, LastSeen: now.Add(-2 * time.Second)},
		{ID: "cccccccccccccccc", Name: "ca\x1b[2Jrol", Addr: "127.0.0.1:3", Role: chat.RoleMember, State: chat.PresenceDead, LastSeen: now.Add(-90 * time.Minute)},
		{ID: "dddddddddddddddd", Name: "dave", Addr: "127.0.0.1:4", Role: chat.RoleMember, State: chat.PresenceLeft, LastSeen: now.Add(-72 * time.Hour)},
		{ID: "eeeeeeeeeeeeeeee", Name: "eve", Addr: "127.0.0.1:5", Role: chat.RoleMember, State: chat.PresenceDead},
	}
	var b strings.Builder
	if err := writeMembers(&b, ms, now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []struct{ has []string }{
		{[]string{"NAME", "STATE", "LAST SEEN"}},
		{[]string{"alice", "leader", "alive", "(now)"}},
		{[]string{"bob", "member", "suspect", "(2s ago)"}},
		{[]string{"ca^[[2Jrol", "dead", "(1h ago)"}},
		{[]string{"dave", "left", "(3d ago)"}},
		{[]string{"eve", "dead", "never"}},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		for _, s := range w.has {
			if !strings.Contains(lines[i], s) {
				t.Errorf("line %d %q lacks %q", i, lines[i], s)
			}
		}
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("an escape sequence from the network reached the terminal:\n%q", b.String())
	}
	if !strings.Contains(lines[2], now.Add(-2*time.Second).Local().Format(time.DateTime)) {
		t.Errorf("bob's line %q lacks the local time it was last seen", lines[2])
	}
}
