package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
)

// ringd is one real ringd process started by a test.
type ringd struct {
	t      *testing.T
	dir    string
	socket string
	config string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan struct{}
	code   int
}

type lockedBuffer = testutil.SyncBuffer

// tempDir returns a short temporary directory (Unix socket paths are limited
// to 108 bytes), removed when the test ends.
func tempDir(t *testing.T) string { return testutil.ShortTempDir(t) }

// writeConfig writes a config for a loopback node living in dir, with extra
// YAML lines appended, and returns its path and socket.
func writeConfig(t *testing.T, dir, name string, extra ...string) (cfgPath, socket string) {
	t.Helper()
	socket = filepath.Join(dir, "run", "ringd.sock")
	lines := []string{
		"name: " + name,
		"listen: 127.0.0.1:0",
		"socket: " + socket,
		"data_dir: " + filepath.Join(dir, "data"),
		"log:",
		"  format: json",
		"  level: debug",
	}
	lines = append(lines, extra...)
	cfgPath = filepath.Join(dir, "ringd.yaml")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, socket
}

// startRingd starts `ringd run -c cfg` and waits until its socket answers.
func startRingd(t *testing.T, dir, cfg, socket string) *ringd {
	t.Helper()
	r := launchRingd(t, "ringd", dir, cfg, socket)
	waitFor(t, 20*time.Second, "ringd answers on "+socket, func() bool {
		select {
		case <-r.exited:
			t.Fatalf("ringd exited with %d before answering:\n%s", r.code, r.stderr.String())
		default:
		}
		_, _, code := ctl(t, socket, "status")
		return code == 0
	})
	return r
}

// launchRingd starts `ringd run -c cfg`, behind the command prefix if one is
// given (`ip netns exec NS`), and kills it when the test ends, logging its
// output under name if the test failed.
func launchRingd(t *testing.T, name, dir, cfg, socket string, prefix ...string) *ringd {
	t.Helper()
	r := &ringd{t: t, dir: dir, socket: socket, config: cfg, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	args := append(append([]string{}, prefix...), ringdBin, "run", "-c", cfg)
	r.cmd = exec.Command(args[0], args[1:]...)
	r.cmd.Stdout = r.stderr
	r.cmd.Stderr = r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		close(r.exited)
	}()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.exited
		if t.Failed() {
			t.Logf("%s output:\n%s", name, r.stderr.String())
		}
	})
	return r
}

// signal sends sig and waits for the process to exit, returning its code.
func (r *ringd) stop(sig syscall.Signal, within time.Duration) int {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
	select {
	case <-r.exited:
		return r.code
	case <-time.After(within):
		r.t.Fatalf("ringd did not exit within %v after %v:\n%s", within, sig, r.stderr.String())
		return -1
	}
}

// ctl runs ringctl against socket and returns stdout, stderr and exit code.
func ctl(t *testing.T, socket string, args ...string) (string, string, int) {
	t.Helper()
	return ctlIn(t, socket, "", args...)
}

func ctlIn(t *testing.T, socket, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringctlBin, append([]string{"-s", socket}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			t.Fatalf("ringctl %v: %v", args, err)
		}
	}
	return out.String(), errOut.String(), code
}

func ctlJSON(t *testing.T, socket string, v any, args ...string) {
	t.Helper()
	out, errOut, code := ctl(t, socket, append([]string{"-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("ringctl %v: exit %d: %s", args, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("ringctl %v: output %q: %v", args, out, err)
	}
}

func tailJSON(t *testing.T, socket string, args ...string) []chat.Message {
	t.Helper()
	out, errOut, code := ctl(t, socket, append([]string{"-o", "json", "tail"}, args...)...)
	if code != 0 {
		t.Fatalf("tail: exit %d: %s", code, errOut)
	}
	var ms []chat.Message
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m chat.Message
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("tail line %q: %v", l, err)
		}
		ms = append(ms, m)
	}
	return ms
}

// waitFor polls cond until it holds or the deadline passes.
var waitFor = testutil.WaitFor
