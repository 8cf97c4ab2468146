package packaging_test

// The machine the install test changes: its checks, its restoring, and
// the processes and users it looks at.

import (
	"bufio"
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
func procUID(pid int) int {
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
