package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// TestDirectMessage: `say --to` reaches exactly its author's and its
// recipient's history, with seq 0, and names its recipient; an unknown
// recipient is refused.
func TestDirectMessage(t *testing.T) {
	r := startRing(t, []int{0, 0, 0})
	n1, n2, n3 := r.nodes[0], r.nodes[1], r.nodes[2]

	out, errOut, code := ctl(t, n1.socket, "-o", "json", "say", "--to", "n2", "for n2 only")
	if code != 0 {
		t.Fatalf("say --to: exit %d: %s", code, errOut)
	}
	var rc chat.Receipt
	if err := json.Unmarshal([]byte(out), &rc); err != nil {
		t.Fatalf("receipt %q: %v", out, err)
	}
	if rc.Seq != 0 || rc.ID == "" {
		t.Fatalf("receipt %+v: want seq 0 and an id", rc)
	}
	r.say(n3, "to everyone") // the ring goes on; its messages reach all
	seen(t, "to everyone", n1, n2, n3)

	for _, n := range []*ringNode{n1, n2, n3} {
		var direct []chat.Message
		for _, m := range tailJSON(t, n.socket, "-n", "1000") {
			if m.Kind == chat.KindDirect {
				direct = append(direct, m)
			}
		}
		want := 1
		if n == n3 {
			want = 0
		}
		if len(direct) != want {
			t.Fatalf("%s holds %d direct messages, want %d: %+v", n.name, len(direct), want, direct)
		}
		if want == 1 && (direct[0].ID != rc.ID || direct[0].To != "n2" || direct[0].From.ID != n1.id || direct[0].Seq != 0) {
			t.Fatalf("%s holds %+v", n.name, direct[0])
		}
	}
	text, _, _ := ctl(t, n2.socket, "tail", "-n", "1000")
	if !strings.Contains(text, "(direct) n1(") || !strings.Contains(text, "-> n2: for n2 only") {
		t.Errorf("tail on n2 does not show the direct message as such:\n%s", text)
	}

	_, errOut, code = ctl(t, n1.socket, "say", "--to", "nobody", "hello?")
	if code != 1 || !strings.Contains(errOut, `no member of the ring is named "nobody"`) {
		t.Fatalf("say --to nobody: exit %d, %q", code, errOut)
	}
	r.kill9(n3)
	eventually(t, 20*time.Second, "n3 to leave the view", func() error {
		_, err := r.agreed()
		return err
	})
	_, errOut, code = ctl(t, n1.socket, "say", "--to", "n3", "are you there?")
	if code != 1 || !strings.Contains(errOut, "offline") {
		t.Fatalf("say --to a dead member: exit %d, %q", code, errOut)
	}
}
