package e2e

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// newSecret writes a fresh cluster secret with `ringd keygen -o` and returns
// the config line that uses it.
func newSecret(t *testing.T) string {
	t.Helper()
	p := filepath.Join(tempDir(t), "secret")
	if out, err := exec.Command(ringdBin, "keygen", "-o", p).CombinedOutput(); err != nil {
		t.Fatalf("ringd keygen: %v: %s", err, out)
	}
	return "secret_file: " + p
}

// secretRing starts two nodes holding secret, the second joined through the
// first's peer address or through via when it is set.
func secretRing(t *testing.T, secret, via string) (a, b *ringNode) {
	t.Helper()
	a = startNode(t, "a", secret)
	b = startNode(t, "b", secret)
	if via == "" {
		via = a.addr
	}
	var st chat.Status
	ctlJSON(t, b.socket, &st, "join", via)
	if st.State != chat.StateMember || st.Members != 2 {
		t.Fatalf("b joined but reports %+v", st)
	}
	return a, b
}

// seen waits until a message with text is in the history of every node.
func seen(t *testing.T, text string, ns ...*ringNode) {
	t.Helper()
	for _, n := range ns {
		eventually(t, 10*time.Second, n.name+" has "+text, func() error {
			ms, err := tailTry(t, n.socket, "-n", "1000")
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Text == text {
					return nil
				}
			}
			return io.EOF
		})
	}
}

func TestSecretKeepsStrangersOut(t *testing.T) {
	a, b := secretRing(t, newSecret(t), "")
	if strings.Contains(a.stderr.String(), "open to anyone") {
		t.Errorf("a node with a secret warned that its ring is open:\n%s", a.stderr.String())
	}
	stranger := startNode(t, "mallory", newSecret(t)) // another secret
	_, errOut, code := ctl(t, stranger.socket, "join", a.addr)
	if code != 1 || !strings.Contains(errOut, "secret") {
		t.Fatalf("join with the wrong secret: exit %d, want 1 and an error that names the secret (%s)", code, errOut)
	}
	waitFor(t, 10*time.Second, "a logs the refused handshake", func() bool {
		return strings.Contains(a.stderr.String(), "does not hold this ring's secret")
	})
	open := startNode(t, "open") // no secret at all
	if _, errOut, code := ctl(t, open.socket, "join", a.addr); code != 1 || !strings.Contains(errOut, "secret") {
		t.Fatalf("join without a secret: exit %d, want 1 and an error that names the secret (%s)", code, errOut)
	}
	waitFor(t, 10*time.Second, "a logs the open peer", func() bool {
		return strings.Contains(a.stderr.String(), "has no cluster secret")
	})

	var st chat.Status
	ctlJSON(t, a.socket, &st, "status")
	if st.Members != 2 {
		t.Fatalf("the ring has %d members after strangers knocked, want 2", st.Members)
	}
	r := &testRing{t: t, nodes: []*ringNode{a, b}}
	r.say(b, "still private")
	seen(t, "still private", a, b)
	for _, n := range []*ringNode{stranger, open} {
		ms := tailJSON(t, n.socket, "-n", "1000")
		for _, m := range ms {
			if m.Text == "still private" || m.From.ID == a.id || m.From.ID == b.id {
				t.Fatalf("%s holds a message of the ring: %+v", n.name, m)
			}
		}
	}
}

// recordingProxy forwards connections to target and keeps the bytes each
// client sent, connection by connection.
type recordingProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	sent   []*lockedBuffer
}

func startRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{ln: ln, target: target}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			buf := &lockedBuffer{}
			p.mu.Lock()
			p.sent = append(p.sent, buf)
			p.mu.Unlock()
			wg.Go(func() { io.Copy(io.MultiWriter(up, buf), c); up.Close() })
			wg.Go(func() { io.Copy(c, up); c.Close() })
		}
	})
	return p
}

func TestReplayedSessionRefused(t *testing.T) {
	secret := newSecret(t)
	a := startNode(t, "a", secret)
	proxy := startRecordingProxy(t, a.addr)
	b := startNode(t, "b", secret)
	var st chat.Status
	ctlJSON(t, b.socket, &st, "join", proxy.ln.Addr().String()) // b's join request crosses the proxy
	if st.Members != 2 {
		t.Fatalf("b joined but reports %+v", st)
	}
	r := &testRing{t: t, nodes: []*ringNode{a, b}}
	r.waitAgreed(10 * time.Second)
	before := len(tailJSON(t, a.socket, "-n", "1000"))

	proxy.mu.Lock()
	if len(proxy.sent) == 0 {
		proxy.mu.Unlock()
		t.Fatal("nothing crossed the proxy")
	}
	captured := []byte(proxy.sent[0].String())
	proxy.mu.Unlock()
	if len(captured) < 8+2+48+2 {
		t.Fatalf("captured only %d bytes", len(captured))
	}

	// Replay b's whole connection, handshake and join request, to a.
	c, err := net.Dial("tcp", a.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(captured); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, c); err != nil { // a answers the handshake, then hangs up
		t.Fatalf("a did not close the replayed connection: %v", err)
	}
	waitFor(t, 10*time.Second, "a logs the replayed record", func() bool {
		return strings.Contains(a.stderr.String(), "record failed authentication")
	})
	if after := len(tailJSON(t, a.socket, "-n", "1000")); after != before {
		t.Fatalf("history went from %d to %d messages after the replay", before, after)
	}
	r.say(a, "after the replay")
	seen(t, "after the replay", a, b)
	if _, err := r.agreed(); err != nil {
		t.Fatal(err)
	}
}

// TestSecretChangeOnHangup changes the secret of a running node: a node
// holding only the new key is refused, then admitted once the first node
// has the new key in its file and got SIGHUP. A broken file on SIGHUP is
// logged and changes nothing.
func TestSecretChangeOnHangup(t *testing.T) {
	oldLine, newLine := newSecret(t), newSecret(t)
	oldFile := strings.TrimPrefix(oldLine, "secret_file: ")
	newFile := strings.TrimPrefix(newLine, "secret_file: ")
	a := startNode(t, "a", oldLine)
	b := startNode(t, "b", newLine)
	if _, _, code := ctl(t, b.socket, "join", a.addr); code != 1 {
		t.Fatalf("join with a key a does not hold yet: exit %d, want 1", code)
	}

	hangup := func(body []byte, logged string) {
		t.Helper()
		if err := os.WriteFile(oldFile, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "a logs "+logged, func() bool {
			return strings.Contains(a.stderr.String(), logged)
		})
	}
	hangup([]byte("not a key\n"), "secret file not reloaded")
	newKey, err := os.ReadFile(newFile)
	if err != nil {
		t.Fatal(err)
	}
	hangup(newKey, "secret file reloaded")

	var st chat.Status
	ctlJSON(t, b.socket, &st, "join", a.addr)
	if st.State != chat.StateMember || st.Members != 2 {
		t.Fatalf("b joined after the change but reports %+v", st)
	}
	select {
	case <-a.exited:
		t.Fatalf("ringd exited after SIGHUP with %d", a.code)
	default:
	}
}
