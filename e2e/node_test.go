package e2e

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// TestOneNode drives a real ringd through the real ringctl: status, members,
// say, tail in text and JSON, and tail -f following new messages.
func TestOneNode(t *testing.T) {
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, "alice")
	startRingd(t, dir, cfg, sock)

	var st chat.Status
	ctlJSON(t, sock, &st, "status")
	if st.Name != "alice" || st.State != chat.StateMember || st.Leader.ID != st.ID || len(st.ID) != 16 {
		t.Fatalf("status %+v", st)
	}
	var ms []chat.Member
	ctlJSON(t, sock, &ms, "members")
	if len(ms) != 1 || ms[0].ID != st.ID || ms[0].Role != chat.RoleLeader || ms[0].State != chat.PresenceAlive {
		t.Fatalf("members %+v", ms)
	}

	// A follower from the current last sequence number sees every later
	// message exactly once, whenever it attaches.
	follow := exec.Command(ringctlBin, "-s", sock, "-o", "json", "tail", "-f", "--since", itoa(st.LastSeq))
	stdout, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { follow.Process.Kill(); follow.Wait() })
	followed := make(chan chat.Message, 16)
	go func() {
		defer close(followed)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m chat.Message
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				followed <- m
			}
		}
	}()

	var rc chat.Receipt
	ctlJSON(t, sock, &rc, "say", "hello", "ring")
	if rc.Seq != st.LastSeq+1 || rc.Lamport == 0 || !strings.HasPrefix(rc.ID, st.ID+"/") {
		t.Fatalf("receipt %+v after last_seq %d", rc, st.LastSeq)
	}
	msgs := tailJSON(t, sock, "-n", "5")
	last := msgs[len(msgs)-1]
	if last.Text != "hello ring" || last.Seq != rc.Seq || last.From.Name != "alice" || last.Kind != chat.KindChat || last.ID != rc.ID {
		t.Fatalf("tail last %+v", last)
	}
	text, _, code := ctl(t, sock, "tail", "-n", "1")
	if code != 0 || !strings.Contains(text, "alice(") || !strings.Contains(text, "]: hello ring") {
		t.Fatalf("text tail %q exit %d", text, code)
	}
	if _, _, code := ctl(t, sock, "say", "second"); code != 0 {
		t.Fatalf("second say exit %d", code)
	}

	var got []string
	timeout := time.After(20 * time.Second)
	for len(got) < 2 {
		select {
		case m, ok := <-followed:
			if !ok {
				t.Fatalf("tail -f ended after %v", got)
			}
			got = append(got, m.Text)
		case <-timeout:
			t.Fatalf("tail -f showed %v, want [hello ring second]", got)
		}
	}
	if got[0] != "hello ring" || got[1] != "second" {
		t.Fatalf("tail -f showed %v, want [hello ring second]", got)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
