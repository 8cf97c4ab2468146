package packaging_test

import (
	"bytes"
	"context"
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

	"github.com/ringchat/ring/internal/testutil"
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
	if uid := procUID(pid); strconv.Itoa(uid) != u.Uid {
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
	testutil.WaitForErr(t, 40*time.Second, "ringd to stop after remove", func() error { return noProcessesOf(u.Uid) })

	// Purge leaves nothing.
	mustRun(t, "dpkg", "--purge", pkgName)
	testutil.WaitForErr(t, 40*time.Second, "no process of user ringd after purge", func() error { return noProcessesOf(u.Uid) })
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
	testutil.WaitForErr(t, 20*time.Second, "ringd's socket to answer", func() error {
		c, err := net.Dial("unix", sysSocket)
		if err == nil {
			c.Close()
		}
		return err
	})
	return startedBy
}
