package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
)

func TestStatus(t *testing.T) {
	n := startTestNode(t, "alice")
	out, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "-o", "json", "status")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var st chat.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	self := n.node.Self()
	if st.ID != self.ID || st.Name != "alice" || st.State != chat.StateMember || st.Leader.ID != self.ID || st.Members != 1 || st.Epoch == 0 {
		t.Fatalf("status %+v", st)
	}
	var raw map[string]any
	_ = json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"id", "name", "addr", "state", "leader", "epoch", "prev", "next", "members", "last_seq", "lamport"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("status JSON lacks %q", k)
		}
	}
	out, _, _ = runCtl(context.Background(), "", "-s", n.socket, "status")
	if !strings.Contains(out, "state") || !strings.Contains(out, "member") || !strings.Contains(out, self.ID) {
		t.Fatalf("text status %q", out)
	}
}
