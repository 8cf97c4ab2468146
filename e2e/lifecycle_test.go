package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSIGTERMStopsCleanly(t *testing.T) {
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, "alice")
	r := startRingd(t, dir, cfg, sock)
	if _, _, code := ctl(t, sock, "say", "before stop"); code != 0 {
		t.Fatalf("say exit %d", code)
	}
	if code := r.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0:\n%s", code, r.stderr.String())
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket %s left behind after a clean stop (err %v)", sock, err)
	}
	if _, errOut, code := ctl(t, sock, "status"); code != 3 {
		t.Fatalf("status after stop: exit %d (%s), want 3", code, errOut)
	}
}

func TestSIGINTStopsCleanly(t *testing.T) {
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, "alice")
	r := startRingd(t, dir, cfg, sock)
	if code := r.stop(syscall.SIGINT, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGINT, want 0", code)
	}
}

func TestNoDaemonExitsThree(t *testing.T) {
	sock := filepath.Join(tempDir(t), "nobody.sock")
	_, errOut, code := ctl(t, sock, "status")
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if !strings.Contains(errOut, sock) || !strings.Contains(errOut, "ringd run") {
		t.Fatalf("message %q should name the socket and how to start ringd", errOut)
	}
}

// runRingdExpectingExit runs ringd with args and returns its exit code and output.
func runRingdExpectingExit(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(ringdBin, args...)
	cmd.Env = append(os.Environ(), env...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("ringd %v did not exit:\n%s", args, out)
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestBadConfigExitsTwo(t *testing.T) {
	cases := []struct {
		name  string
		extra string
		want  []string
	}{
		{"malformed duration", "heartbeat_interval: 2x", []string{"heartbeat_interval", "2x"}},
		{"unknown key", "colour: blue", []string{"colour"}},
		{"malformed address", "advertise: nowhere", []string{"advertise"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := tempDir(t)
			cfg, _ := writeConfig(t, dir, "alice", c.extra)
			code, out := runRingdExpectingExit(t, nil, "run", "-c", cfg)
			if code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, out)
			}
			for _, w := range append(c.want, cfg) {
				if !strings.Contains(out, w) {
					t.Errorf("message should name %q:\n%s", w, out)
				}
			}
		})
	}
	t.Run("unreadable file", func(t *testing.T) {
		missing := filepath.Join(tempDir(t), "missing.yaml")
		code, out := runRingdExpectingExit(t, nil, "run", "-c", missing)
		if code != 2 || !strings.Contains(out, missing) {
			t.Fatalf("exit %d, want 2 naming %s:\n%s", code, missing, out)
		}
	})
	t.Run("bad env", func(t *testing.T) {
		dir := tempDir(t)
		cfg, _ := writeConfig(t, dir, "alice")
		code, out := runRingdExpectingExit(t, []string{"RINGD_FAILURE_TIMEOUT=soon"}, "run", "-c", cfg)
		if code != 2 || !strings.Contains(out, "RINGD_FAILURE_TIMEOUT") {
			t.Fatalf("exit %d, want 2 naming RINGD_FAILURE_TIMEOUT:\n%s", code, out)
		}
	})
}

func TestSecondRingdOnLiveSocketExitsTwo(t *testing.T) {
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, "alice")
	startRingd(t, dir, cfg, sock)
	dir2 := tempDir(t)
	cfg2 := filepath.Join(dir2, "ringd.yaml")
	conf := "name: bob\nlisten: 127.0.0.1:0\nsocket: " + sock + "\ndata_dir: " + filepath.Join(dir2, "data") + "\n"
	if err := os.WriteFile(cfg2, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := runRingdExpectingExit(t, nil, "run", "-c", cfg2)
	if code != 2 || !strings.Contains(out, sock) || !strings.Contains(out, "in use") {
		t.Fatalf("exit %d, want 2 saying %s is in use:\n%s", code, sock, out)
	}
	if _, _, code := ctl(t, sock, "status"); code != 0 {
		t.Fatal("the first ringd stopped answering")
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, "alice")
	r := startRingd(t, dir, cfg, sock)
	r.stop(syscall.SIGKILL, 15*time.Second)
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("kill -9 should leave the socket file behind: %v", err)
	}
	startRingd(t, dir, cfg, sock)
	if _, _, code := ctl(t, sock, "say", "after restart"); code != 0 {
		t.Fatal("say failed on the restarted ringd")
	}
}

func TestVersion(t *testing.T) {
	code, out := runRingdExpectingExit(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "ringd ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: exit %d output %q", code, out)
	}
}
