package ipc

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
)

func shortDir(t testing.TB) string { return testutil.ShortTempDir(t) }

func TestListenPermissions(t *testing.T) {
	sock := filepath.Join(shortDir(t), "run", "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode %v, want socket 0660", fi.Mode())
	}
	di, err := os.Stat(filepath.Dir(sock))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o750 {
		t.Fatalf("directory mode %v, want 0750", di.Mode().Perm())
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "ringd.sock")
	// A socket file nobody listens on: bind, then close without unlinking.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	ln2, err := Listen(sock)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	ln2.Close()
}

func TestListenRefusesLiveSocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(sock)
	var inUse *SocketInUseError
	if !errors.As(err, &inUse) || inUse.Path != sock {
		t.Fatalf("second Listen: %v, want SocketInUseError", err)
	}
}

func TestListenLeavesOtherFilesAlone(t *testing.T) {
	sock := filepath.Join(shortDir(t), "ringd.sock")
	if err := os.WriteFile(sock, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(sock); err == nil {
		t.Fatal("Listen replaced a regular file")
	}
	if b, _ := os.ReadFile(sock); string(b) != "precious" {
		t.Fatal("regular file was modified")
	}
}

// The modes of SPEC §5 hold whatever the umask.
func TestListenPermissionsIgnoreUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	sock := filepath.Join(shortDir(t), "run", "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wantMode(t, sock, 0o660)
	wantMode(t, filepath.Dir(sock), 0o750)
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Fatalf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
	}
}

// An existing directory keeps its mode if nobody else can write to it.
func TestListenKeepsPrivateDirectory(t *testing.T) {
	dir := filepath.Join(shortDir(t), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(filepath.Join(dir, "ringd.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wantMode(t, dir, 0o700)
}

func TestListenRefusesDirectoryOthersCanWrite(t *testing.T) {
	for _, mode := range []os.FileMode{0o770, 0o777, os.ModeSticky | 0o777} { // the last like /tmp
		dir := filepath.Join(shortDir(t), "run")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Listen(filepath.Join(dir, "ringd.sock"))
		if err == nil || !strings.Contains(err.Error(), "others could replace the socket") {
			t.Fatalf("mode %v: err %v, want a refusal", mode, err)
		}
		wantMode(t, dir, mode.Perm()) // left as it was
	}
}

// A directory someone else made in ringd's place (say /tmp/ringd-$UID) is
// refused.
func TestListenRefusesForeignDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	dir := filepath.Join(shortDir(t), "run")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(filepath.Join(dir, "ringd.sock"))
	if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Fatalf("err %v, want a refusal naming the owner", err)
	}
}

func TestListenRefusesOverlongPath(t *testing.T) {
	sock := filepath.Join(shortDir(t), strings.Repeat("s", 120))
	_, err := Listen(sock)
	if err == nil || !strings.Contains(err.Error(), "at most 107") {
		t.Fatalf("err %v, want the path length refused", err)
	}
}
