package packaging_test

// The packaged node seen through ringctl, and the peer ringd it joins.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/testutil"
)

// ringctlAs runs the installed ringctl as uid (its own group) with the
// supplementary groups given, with its default socket.
func ringctlAs(t *testing.T, uid int, groups []uint32, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/ringctl", args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(uid), Gid: uint32(uid), Groups: groups,
	}}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	default:
		t.Fatalf("ringctl %v: %v", args, err)
		return "", -1
	}
}

// historyHas reports whether the history of the node at socket holds a
// chat message text.
func historyHas(t *testing.T, socket, text string) bool {
	t.Helper()
	out := mustRun(t, "/usr/bin/ringctl", "-s", socket, "-o", "json", "tail", "-n", "1000")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct{ Kind, Text string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Kind == "chat" && m.Text == text {
			return true
		}
	}
	return false
}

// waitMember waits until the node at socket is a member named name of a
// ring of members nodes.
func waitMember(t *testing.T, socket, name string, members int) {
	t.Helper()
	testutil.WaitForErr(t, 30*time.Second, name+" to be a member of a ring of "+strconv.Itoa(members), func() error {
		out, err := output("/usr/bin/ringctl", "-s", socket, "-o", "json", "status")
		if err != nil {
			return err
		}
		var st struct {
			Name, State string
			Members     int
		}
		if err := json.Unmarshal(out, &st); err != nil {
			return err
		}
		if st.State != "member" || st.Name != name || st.Members != members {
			return fmt.Errorf("status: name %q, state %q, %d members", st.Name, st.State, st.Members)
		}
		return nil
	})
}

type peerNode struct{ addr, socket string }

// startPeer runs a copy of the installed ringd as a one-node ring of its
// own on a free loopback port, stopped when the test ends.
func startPeer(t *testing.T) peerNode {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "ringd")
	exe, err := os.ReadFile("/usr/bin/ringd")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := peerNode{addr: addr, socket: filepath.Join(dir, "peer.sock")}
	logf, err := os.Create(filepath.Join(dir, "peer.log"))
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "peer.yaml") // not the packaged one, which root would read
	if err := os.WriteFile(config, []byte("log:\n  format: json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-c", config, "--name", "peer", "--listen", addr, "--socket", p.socket,
		"--data-dir", filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logf.Name())
			t.Logf("the peer's log:\n%s", log)
		}
	})
	waitMember(t, p.socket, "peer", 1)
	return p
}
