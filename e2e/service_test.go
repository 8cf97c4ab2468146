package e2e

import (
	"context"
	"encoding/json"
	"fmt"
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

// These tests install real SysV init scripts in /etc/init.d, so they run only
// as root on a host whose init is not systemd.
func requireSysV(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("service tests need root: they install scripts in /etc/init.d")
	}
	comm, _ := os.ReadFile("/proc/1/comm")
	if _, err := os.Stat("/run/systemd/system"); err == nil || strings.TrimSpace(string(comm)) == "systemd" {
		t.Skip("service tests cover the SysV init-script path; this host runs systemd")
	}
	if err := syscall.Access("/etc/init.d", 2 /* W_OK */); err != nil {
		t.Skipf("service tests need a writable /etc/init.d: %v", err)
	}
	if _, err := exec.LookPath("service"); err != nil {
		t.Skip("service tests need the service command (SysV init)")
	}
}

type svcInstance struct {
	name, config, socket string
}

// newSvcInstance writes a config for one service instance and registers a
// cleanup that stops and removes whatever the test left installed.
func newSvcInstance(t *testing.T, suffix string) *svcInstance {
	t.Helper()
	dir := t.TempDir()
	s := &svcInstance{
		name:   fmt.Sprintf("ringd-e2e-%d%s", os.Getpid(), suffix),
		config: filepath.Join(dir, "ringd.yaml"),
		socket: filepath.Join(dir, "run", "ringd.sock"),
	}
	conf := strings.Join([]string{
		"name: " + s.name,
		"listen: 127.0.0.1:0",
		"socket: " + s.socket,
		"data_dir: " + filepath.Join(dir, "data"),
		"log:",
		"  format: json",
	}, "\n") + "\n"
	if err := os.WriteFile(s.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cleanup(t) })
	return s
}

func (s *svcInstance) cleanup(t *testing.T) {
	if t.Failed() {
		if log, err := os.ReadFile("/var/log/" + s.name + ".err"); err == nil {
			t.Logf("%s stderr log:\n%s", s.name, log)
		}
	}
	if _, err := os.Stat("/etc/init.d/" + s.name); err == nil {
		if out, code := svcRun(t, "uninstall", "--name", s.name); code != 0 {
			t.Errorf("cleanup: uninstall %s: exit %d: %s", s.name, code, out)
		}
	}
	if pid := s.pid(); pid > 0 && ringdProcess(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	links, _ := filepath.Glob("/etc/rc[0-6S].d/[KS][0-9][0-9]" + s.name)
	for _, p := range append(links, "/etc/init.d/"+s.name, "/var/run/"+s.name+".pid",
		"/var/log/"+s.name+".log", "/var/log/"+s.name+".err") {
		os.Remove(p)
	}
}

// pid is the pid in the instance's pid file, 0 if there is none.
func (s *svcInstance) pid() int {
	data, err := os.ReadFile("/var/run/" + s.name + ".pid")
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// ringdProcess reports whether pid is a live ringd built for these tests.
// A zombie has an empty command line, so it does not count: it has exited
// and only awaits reaping by PID 1.
func ringdProcess(pid int) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.HasPrefix(string(cmdline), ringdBin+"\x00")
}

// svcRun runs ringdBin with args and returns its combined output and exit code.
func svcRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringdBin, args...)
	cmd.WaitDelay = 5 * time.Second // a daemon holding our pipes must not hang the test
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ringd %q: %v: %s", args, err, out)
	}
	return string(out), 0
}

func (s *svcInstance) must(t *testing.T, verb string, extra ...string) string {
	t.Helper()
	out, code := svcRun(t, append([]string{verb, "--name", s.name}, extra...)...)
	if code != 0 {
		t.Fatalf("ringd %s --name %s: exit %d: %s", verb, s.name, code, out)
	}
	return out
}

func (s *svcInstance) wantStatus(t *testing.T, want string) {
	t.Helper()
	if out := s.must(t, "status"); out != want+"\n" {
		t.Fatalf("ringd status --name %s = %q, want %q", s.name, out, want)
	}
}

// answers reports whether ringctl gets this instance's status over its socket;
// exit 3 means no daemon answered.
func (s *svcInstance) answers(t *testing.T) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, ringctlBin, "-s", s.socket, "-o", "json", "status").Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
		return false
	} else if err != nil {
		t.Fatalf("ringctl status on %s: %v", s.socket, err)
	}
	var st struct{ Name string }
	if err := json.Unmarshal(out, &st); err != nil || st.Name != s.name {
		t.Fatalf("ringctl status on %s: %q (%v), want node %s", s.socket, out, err, s.name)
	}
	return true
}

// svcPoll waits until cond holds, failing the test after within.
var svcPoll = testutil.WaitFor

func (s *svcInstance) startAndWait(t *testing.T) int {
	t.Helper()
	s.must(t, "start")
	svcPoll(t, 30*time.Second, s.name+" answers on its socket", func() bool { return s.answers(t) })
	pid := s.pid()
	if !ringdProcess(pid) {
		t.Fatalf("pid file of %s names %d, which is not a running ringd", s.name, pid)
	}
	return pid
}

func TestServiceLifecycle(t *testing.T) {
	requireSysV(t)
	s := newSvcInstance(t, "")

	s.must(t, "install", "-c", s.config)
	script, err := os.ReadFile("/etc/init.d/" + s.name)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%q %q %q", "run", "-c", s.config); !strings.Contains(string(script), want) ||
		!strings.Contains(string(script), fmt.Sprintf("exe=%q", ringdBin)) {
		t.Fatalf("init script does not run %s %s:\n%s", ringdBin, want, script)
	}
	if out, code := svcRun(t, "install", "--name", s.name, "-c", s.config); code != 1 || !strings.Contains(out, "already installed") {
		t.Fatalf("second install: exit %d: %s", code, out)
	}
	s.wantStatus(t, "stopped")

	pid1 := s.startAndWait(t)
	s.wantStatus(t, "running")

	s.must(t, "restart")
	svcPoll(t, 30*time.Second, s.name+" answers from a new process", func() bool {
		pid := s.pid()
		return pid != pid1 && ringdProcess(pid) && s.answers(t)
	})
	if ringdProcess(pid1) {
		t.Fatalf("old process %d still runs after restart", pid1)
	}

	pid2 := s.pid()
	s.must(t, "stop")
	svcPoll(t, 30*time.Second, s.name+" no longer answers", func() bool { return !s.answers(t) })
	if ringdProcess(pid2) {
		t.Fatalf("process %d still runs after stop", pid2)
	}
	s.wantStatus(t, "stopped")
	if out := s.must(t, "stop"); !strings.Contains(out, "not running") {
		t.Fatalf("stop when stopped: %q", out)
	}

	pid3 := s.startAndWait(t)
	s.must(t, "uninstall")
	if ringdProcess(pid3) {
		t.Fatalf("process %d still runs after uninstall", pid3)
	}
	if s.answers(t) {
		t.Fatal("socket still answers after uninstall")
	}
	if _, err := os.Stat("/etc/init.d/" + s.name); !os.IsNotExist(err) {
		t.Fatalf("/etc/init.d/%s after uninstall: %v", s.name, err)
	}
	if links, _ := filepath.Glob("/etc/rc?.d/*" + s.name); len(links) > 0 {
		t.Fatalf("rc links left after uninstall: %v", links)
	}
	s.wantStatus(t, "not installed")
	if out, code := svcRun(t, "start", "--name", s.name); code != 1 || !strings.Contains(out, "service "+s.name+" is not installed") {
		t.Fatalf("start after uninstall: exit %d: %s", code, out)
	}
}

func TestServiceTwoInstances(t *testing.T) {
	requireSysV(t)
	a, b := newSvcInstance(t, "-a"), newSvcInstance(t, "-b")
	for _, s := range []*svcInstance{a, b} {
		s.must(t, "install", "-c", s.config)
	}
	for _, s := range []*svcInstance{a, b} {
		if _, err := os.Stat("/etc/init.d/" + s.name); err != nil {
			t.Fatal(err)
		}
		s.wantStatus(t, "stopped")
		s.startAndWait(t)
	}
	a.wantStatus(t, "running")
	b.wantStatus(t, "running")

	a.must(t, "uninstall")
	a.wantStatus(t, "not installed")
	if !b.answers(t) {
		t.Fatalf("%s stopped answering when %s was uninstalled", b.name, a.name)
	}
	b.must(t, "uninstall")
	for _, s := range []*svcInstance{a, b} {
		if _, err := os.Stat("/etc/init.d/" + s.name); !os.IsNotExist(err) {
			t.Fatalf("/etc/init.d/%s after uninstall: %v", s.name, err)
		}
	}
}
