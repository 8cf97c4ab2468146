package packaging_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What the package puts on the machine, and what purge must take away.
var (
	packagedFiles = []string{
		"/usr/bin/ringd", "/usr/bin/ringctl",
		"/etc/ringd/ringd.yaml", "/etc/init.d/ringd", "/lib/systemd/system/ringd.service",
		"/usr/share/man/man8/ringd.8.gz", "/usr/share/man/man8/ringd-run.8.gz",
		"/usr/share/man/man1/ringctl.1.gz", "/usr/share/man/man1/ringctl-say.1.gz",
		"/usr/share/bash-completion/completions/ringctl", "/usr/share/zsh/vendor-completions/_ringd",
		"/usr/share/fish/vendor_completions.d/ringctl.fish",
		"/usr/share/doc/ring/copyright", "/usr/share/doc/ring/changelog.gz",
	}
	stateDirs = []string{"/etc/ringd", "/var/lib/ringd", "/var/log/ringd", "/run/ringd"}
)

const (
	pkgName   = "ring"
	initd     = "/etc/init.d/ringd"
	sysSocket = "/run/ringd/ringd.sock"
	pidFile   = "/run/ringd.pid"
	conffile  = "/etc/ringd/ringd.yaml"
)

// TestInstallUpgradeRemovePurge builds the .deb twice (two versions),
// installs the first on this machine and checks its files, its user and
// its service; edits the conffile and joins the node to a second ringd's
// ring; says a message as a member of group ringd and is refused as a user
// outside it; upgrades to the second and checks that the new binary runs,
// the edit is kept and the node is back in its ring of two with its
// history; then removes, purges, and checks that nothing is left. It
// restores the machine as it found it.
func TestInstallUpgradeRemovePurge(t *testing.T) {
	checkMachine(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	first := buildDeb(t, root, out, "0.0.0~installtest1")
	second := buildDeb(t, root, out, "0.0.0~installtest2")
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile("/var/log/ringd/ringd.log")
			t.Logf("/var/log/ringd/ringd.log:\n%s", log)
		}
		restoreMachine(t)
	})

	// Install.
	mustRun(t, "dpkg", "-i", first)
	for _, f := range packagedFiles {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after install: %v", err)
		}
	}
	conffiles := mustRun(t, "dpkg-query", "-W", "-f=${Conffiles}", pkgName)
	for _, f := range []string{conffile, initd} {
		if !strings.Contains(conffiles, f+" ") {
			t.Errorf("%s is not a conffile of the package: %q", f, conffiles)
		}
	}
	u, g := systemUser(t)
	if u.HomeDir != "/var/lib/ringd" || u.Gid != g.Gid {
		t.Errorf("user ringd: home %s, gid %s; want /var/lib/ringd and group ringd (%s)", u.HomeDir, u.Gid, g.Gid)
	}
	checkOwner(t, "/var/lib/ringd", u, g, os.ModeDir|0o700)

	startedBy := ensureRunning(t, "start", "")
	pid := daemonPID(t)
	if uid := procUID(t, pid); strconv.Itoa(uid) != u.Uid {
		t.Errorf("ringd (pid %d) runs as uid %d, want ringd's %s", pid, uid, u.Uid)
	}
	checkOwner(t, sysSocket, u, g, os.ModeSocket|0o660)
	t.Logf("installed %s; ringd (pid %d, user ringd) %s", filepath.Base(first), pid, startedBy)

	// The operator's edit (a name), and a peer: a ringd of the first build
	// run by the test, whose ring the packaged node joins, so that it must
	// go back to a ring of two after the upgrade.
	edited, err := os.ReadFile(conffile)
	if err != nil {
		t.Fatal(err)
	}
	edited = append(edited, "\n# edited by the install test\nname: install-test\n"...)
	if err := os.WriteFile(conffile, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, initd, "restart")
	peer := startPeer(t)
	mustRun(t, "/usr/bin/ringctl", "join", peer.addr)
	waitMember(t, sysSocket, "install-test", 2)
	pid = daemonPID(t)

	// ringctl as a member of group ringd, and as someone outside it.
	gid, _ := strconv.Atoi(g.Gid)
	inside, outside := freeIDs(t)
	if out, code := ringctlAs(t, inside, []uint32{uint32(gid)}, "say", "said before the upgrade"); code != 0 {
		t.Fatalf("ringctl say as uid %d in group ringd: exit %d: %s", inside, code, out)
	}
	out2, code := ringctlAs(t, outside, nil, "say", "should be refused")
	if code != 3 || !strings.Contains(out2, "Add yourself to group ringd") {
		t.Errorf("ringctl say as uid %d outside group ringd: exit %d, %q; want exit 3 and the group to join", outside, code, out2)
	}

	// A secret made as the README says (root, 0600), which ringd, running
	// as ringd now, must be able to read after the upgrade.
	mustRun(t, "/usr/bin/ringd", "keygen", "-o", "/etc/ringd/secret")
	checkOwner(t, "/var/log/ringd/ringd.log", u, g, 0o600)

	// Upgrade.
	mustRun(t, "dpkg", "-i", second)
	startedBy = ensureRunning(t, "restart", strconv.Itoa(pid))
	newPID := daemonPID(t)
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", newPID)); exe != "/usr/bin/ringd" {
		t.Errorf("after the upgrade ringd (pid %d) runs %q, want the new /usr/bin/ringd", newPID, exe)
	}
	if v := mustRun(t, "/usr/bin/ringd", "version"); !strings.Contains(v, "installtest2") {
		t.Errorf("ringd version after the upgrade: %q", v)
	}
	if kept, _ := os.ReadFile(conffile); !bytes.Equal(kept, edited) {
		t.Errorf("the upgrade did not keep the edited %s", conffile)
	}
	t.Logf("upgraded to %s; ringd (pid %d) %s", filepath.Base(second), newPID, startedBy)
	if fi, err := os.Stat("/etc/ringd/secret"); err != nil || fi.Mode().Perm() != 0o640 ||
		strconv.Itoa(int(fi.Sys().(*syscall.Stat_t).Gid)) != g.Gid {
		t.Errorf("/etc/ringd/secret after the upgrade: %v %v; want group ringd, mode 0640", fi.Mode(), err)
	}
	waitMember(t, sysSocket, "install-test", 2)
	if !historyHas(t, sysSocket, "said before the upgrade") {
		t.Errorf("after the upgrade the history lacks the message said before it")
	}
	if out, code := ringctlAs(t, inside, []uint32{uint32(gid)}, "say", "said after the upgrade"); code != 0 {
		t.Errorf("ringctl say after the upgrade: exit %d: %s", code, out)
	}
	if !historyHas(t, peer.socket, "said after the upgrade") {
		t.Errorf("the peer's history lacks the message said on the upgraded node")
	}

	// A config ringd refuses: the init script's start says so.
	if err := os.WriteFile(conffile, append(edited, "no_such_key: 1\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out3, err := exec.CommandContext(ctx, initd, "restart").CombinedOutput()
	if err == nil || !strings.Contains(string(out3), "exited during start-up; see /var/log/ringd/ringd.log") {
		t.Errorf("%s restart with a bad config: %v, %q; want a failure pointing at the log", initd, err, out3)
	}
	if log, _ := os.ReadFile("/var/log/ringd/ringd.log"); !strings.Contains(string(log), "no_such_key") {
		t.Errorf("ringd's log does not name the bad key:\n%s", log)
	}
	if err := os.WriteFile(conffile, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, initd, "start")

	// Remove stops the service and keeps the configuration, the history
	// and the user. Where the scripts may not stop it, the test does.
	mayStop, why := scriptsMayAct("stop")
	if !mayStop {
		t.Logf("%s, so the test runs %s stop", why, initd)
		mustRun(t, initd, "stop")
	}
	mustRun(t, "dpkg", "--remove", pkgName)
	for _, f := range []string{"/usr/bin/ringd", "/usr/bin/ringctl", "/lib/systemd/system/ringd.service"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s is still there after remove", f)
		}
	}
	for _, f := range []string{conffile, initd, "/var/lib/ringd/history", "/var/lib/ringd/node-id"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("remove must keep it: %v", err)
		}
	}
	if _, err := user.Lookup("ringd"); err != nil {
		t.Errorf("remove must keep the user: %v", err)
	}
	waitFor(t, "ringd to stop after remove", 40*time.Second, func() error { return noProcessesOf(u.Uid) })

	// Purge leaves nothing.
	mustRun(t, "dpkg", "--purge", pkgName)
	waitFor(t, "no process of user ringd after purge", 40*time.Second, func() error { return noProcessesOf(u.Uid) })
	if _, err := user.Lookup("ringd"); err == nil {
		t.Errorf("purge left the user ringd")
	}
	if _, err := user.LookupGroup("ringd"); err == nil {
		t.Errorf("purge left the group ringd")
	}
	left := append(append([]string{pidFile}, stateDirs...), packagedFiles...)
	links, _ := filepath.Glob("/etc/rc[0-6S].d/[SK][0-9][0-9]ringd")
	left = append(left, links...)
	left = append(left, "/etc/systemd/system/multi-user.target.wants/ringd.service", "/etc/systemd/system/ringd.service")
	for _, f := range left {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("purge left %s", f)
		}
	}
	if st := packageStatus(); st != "" && st != "not-installed" {
		t.Errorf("after purge dpkg says the package is %q", st)
	}
}

// checkMachine skips unless this is a root Debian-like host without
// systemd running (the test drives the SysV script) on which the package
// and its user are absent, so that it can leave the machine as it was.
func checkMachine(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped: -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipped: installing a package needs root")
	}
	for _, cmd := range []string{"dpkg", "dpkg-query", "adduser", "start-stop-daemon", "make", "gcc"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("skipped: no %s here (a Debian host with adduser and gcc is needed)", cmd)
		}
	}
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("skipped: systemd runs this host; the test drives the SysV script of hosts without it")
	}
	if st := packageStatus(); st != "" && st != "not-installed" {
		t.Skipf("skipped: package %s is %s on this machine; the test would replace it", pkgName, st)
	}
	if _, err := user.Lookup("ringd"); err == nil {
		t.Skip("skipped: a user ringd exists here")
	}
	if _, err := user.LookupGroup("ringd"); err == nil {
		t.Skip("skipped: a group ringd exists here")
	}
	for _, d := range append([]string{initd, pidFile}, stateDirs...) {
		if _, err := os.Lstat(d); err == nil {
			t.Skipf("skipped: %s exists here", d)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:7733")
	if err != nil {
		t.Skipf("skipped: the packaged config's port 127.0.0.1:7733 is in use: %v", err)
	}
	ln.Close()
}

// packageStatus is dpkg's status of the package: "" when dpkg never heard
// of it, else installed, config-files, not-installed, ….
func packageStatus() string {
	out, err := output("dpkg-query", "-W", "-f=${db:Status-Status}", pkgName)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// restoreMachine undoes whatever the test left installed.
func restoreMachine(t *testing.T) {
	if st := packageStatus(); st != "" && st != "not-installed" {
		if out, err := exec.Command("dpkg", "--purge", pkgName).CombinedOutput(); err != nil {
			t.Logf("cleanup: dpkg --purge: %v: %s", err, out)
			if out, err := exec.Command("dpkg", "--purge", "--force-all", pkgName).CombinedOutput(); err != nil {
				t.Logf("cleanup: dpkg --purge --force-all: %v: %s", err, out)
			}
		}
	}
	if u, err := user.Lookup("ringd"); err == nil {
		for _, pid := range processesOf(u.Uid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		// userdel refuses while a process of the user is left, zombies too;
		// pid 1 may reap them late.
		deadline := time.Now().Add(15 * time.Second)
		for len(allProcessesOf(u.Uid)) > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if out, err := exec.Command("userdel", "ringd").CombinedOutput(); err != nil {
			t.Logf("cleanup: userdel ringd: %v: %s", err, out)
			exec.Command("userdel", "-f", "ringd").Run()
		}
	}
	if _, err := user.LookupGroup("ringd"); err == nil {
		exec.Command("groupdel", "ringd").Run()
	}
	links, _ := filepath.Glob("/etc/rc[0-6S].d/[SK][0-9][0-9]ringd")
	for _, f := range append(append([]string{pidFile, initd}, stateDirs...), links...) {
		os.RemoveAll(f)
	}
}

// buildDeb runs make deb for version into dir and returns the package.
func buildDeb(t *testing.T, root, dir, version string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget(t, 5*time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "-C", root, "deb",
		"PKG_VERSION="+version, "VERSION="+version, "PKG_OUT="+dir+"/")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make deb %s: %v\n%s", version, err, out)
	}
	deb := filepath.Join(dir, pkgName+"_"+version+"_amd64.deb")
	if _, err := os.Stat(deb); err != nil {
		t.Fatalf("make deb built no %s: %v", deb, err)
	}
	return deb
}

// budget is limit, or less if the test's deadline (go test -timeout) is
// nearer: two minutes are kept for restoreMachine, which a timeout's panic
// would skip.
func budget(t *testing.T, limit time.Duration) time.Duration {
	if d, ok := t.Deadline(); ok {
		if left := time.Until(d) - 2*time.Minute; left < limit {
			return max(left, time.Second)
		}
	}
	return limit
}

// output runs a command for at most ten seconds and returns its stdout.
func output(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).Output()
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget(t, 2*time.Minute))
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// scriptsMayAct says whether invoke-rc.d lets the maintainer scripts do
// action to ringd here, and if not, why: /usr/sbin/policy-rc.d forbids it
// (exit 101, as in container images), or there is no runlevel (no init
// system keeps one, so invoke-rc.d cannot tell whether ringd is enabled).
func scriptsMayAct(action string) (bool, string) {
	const helper = "/usr/sbin/policy-rc.d"
	if _, err := os.Stat(helper); err == nil {
		_, err := output(helper, "ringd", action)
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 101 {
			return false, "policy-rc.d forbids " + action + " here"
		}
	}
	if out, err := output("runlevel"); err != nil {
		return false, fmt.Sprintf("there is no runlevel here (runlevel: %s), so invoke-rc.d does not %s", strings.TrimSpace(string(out)), action)
	}
	return true, ""
}

// ensureRunning checks what the maintainer script did with the service
// (action: start on install, restart on upgrade): if invoke-rc.d lets it,
// the service must be running, on a pid other than oldPID; if not, the
// script must not have done it, and the test runs the init script itself.
// It waits for the socket to answer and says who started ringd.
func ensureRunning(t *testing.T, action, oldPID string) string {
	t.Helper()
	startedBy := "started by the package's postinst"
	pid, _ := os.ReadFile(pidFile)
	_, statusErr := output(initd, "status")
	done := statusErr == nil && strings.TrimSpace(string(pid)) != oldPID
	switch may, why := scriptsMayAct(action); {
	case !may && done:
		t.Errorf("the postinst did %s ringd although %s", action, why)
	case !may:
		startedBy = fmt.Sprintf("%s, so the test ran %s %s", why, initd, action)
		mustRun(t, initd, action)
	case !done:
		t.Fatalf("the postinst did not %s ringd (invoke-rc.d lets it here)", action)
	}
	waitFor(t, "ringd's socket to answer", 20*time.Second, func() error {
		c, err := net.Dial("unix", sysSocket)
		if err == nil {
			c.Close()
		}
		return err
	})
	return startedBy
}

func daemonPID(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", pidFile, err)
	}
	return pid
}

// procUID returns the real uid of pid, -1 if it is gone.
func procUID(t *testing.T, pid int) int {
	t.Helper()
	uid, _, ok := procStatus(pid)
	if !ok {
		return -1
	}
	return uid
}

// procStatus reads the real uid and the state letter of pid.
func procStatus(pid int) (uid int, state string, ok bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	uid = -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "Uid:":
			uid, _ = strconv.Atoi(fields[1])
		case "State:":
			state = fields[1]
		}
	}
	return uid, state, uid >= 0
}

// processesOf lists the live (not zombie) processes of uid.
func processesOf(uid string) []int { return processes(uid, false) }

// allProcessesOf lists the processes of uid, zombies included.
func allProcessesOf(uid string) []int { return processes(uid, true) }

func processes(uid string, zombies bool) []int {
	want, err := strconv.Atoi(uid)
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if u, state, ok := procStatus(pid); ok && u == want && (zombies || state != "Z" && state != "X") {
			pids = append(pids, pid)
		}
	}
	return pids
}

func noProcessesOf(uid string) error {
	if pids := processesOf(uid); len(pids) > 0 {
		return fmt.Errorf("processes of uid %s still run: %v", uid, pids)
	}
	return nil
}

func systemUser(t *testing.T) (*user.User, *user.Group) {
	t.Helper()
	u, err := user.Lookup("ringd")
	if err != nil {
		t.Fatalf("after install: %v", err)
	}
	g, err := user.LookupGroup("ringd")
	if err != nil {
		t.Fatalf("after install: %v", err)
	}
	return u, g
}

func checkOwner(t *testing.T, path string, u *user.User, g *user.Group, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Error(err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if strconv.Itoa(int(st.Uid)) != u.Uid || strconv.Itoa(int(st.Gid)) != g.Gid || fi.Mode()&(os.ModeType|os.ModePerm) != mode {
		t.Errorf("%s: uid %d gid %d mode %v; want ringd:ringd %v", path, st.Uid, st.Gid, fi.Mode(), mode)
	}
}

// freeIDs returns two uids no user of this machine has.
func freeIDs(t *testing.T) (int, int) {
	t.Helper()
	var ids []int
	for id := 61000; id < 62000 && len(ids) < 2; id++ {
		if _, err := user.LookupId(strconv.Itoa(id)); err != nil {
			ids = append(ids, id)
		}
	}
	if len(ids) < 2 {
		t.Fatal("no two free uids in 61000-61999")
	}
	return ids[0], ids[1]
}

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
	waitFor(t, name+" to be a member of a ring of "+strconv.Itoa(members), 30*time.Second, func() error {
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

// waitFor polls cond every 50 ms until it returns nil or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
