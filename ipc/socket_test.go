package ipc

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
)

func shortDir(t *testing.T) string { return testutil.ShortTempDir(t) }

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
