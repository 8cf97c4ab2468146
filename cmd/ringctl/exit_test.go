package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/ipc/client"
)

func TestNoDaemonExitsThree(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "absent.sock")
	for _, cmd := range []string{"status", "members", "tail", "leave"} {
		_, errOut, code := runCtl(context.Background(), "", "-s", sock, cmd)
		if code != exitNoDaemon {
			t.Errorf("%s: exit %d, want %d", cmd, code, exitNoDaemon)
		}
		if !strings.Contains(errOut, sock) || !strings.Contains(errOut, "ringd run") {
			t.Errorf("%s: message %q should name the socket and how to start ringd", cmd, errOut)
		}
	}
}

func TestSocketFromEnv(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "env.sock")
	ios := cli.Streams{In: strings.NewReader(""), Out: &syncBuffer{}, Err: &syncBuffer{}}
	errOut := ios.Err.(*syncBuffer)
	code := execute(context.Background(), []string{"status"}, ios, func(k string) string {
		if k == "RING_SOCKET" {
			return sock
		}
		return ""
	})
	if code != exitNoDaemon || !strings.Contains(errOut.String(), sock) {
		t.Fatalf("exit %d stderr %q: RING_SOCKET not used", code, errOut.String())
	}
}

func TestBadOutputFlag(t *testing.T) {
	_, errOut, code := runCtl(context.Background(), "", "-o", "yaml", "status")
	if code != cli.ExitUsage || !strings.Contains(errOut, "--output") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, _, code := runCtl(context.Background(), "", "frobnicate")
	if code != cli.ExitUsage {
		t.Fatalf("exit %d, want %d", code, cli.ExitUsage)
	}
}

// A socket this user may not open is no missing daemon: the message says
// which group to join (the group of the socket's directory), and the exit
// code stays 3, ringd cannot be reached.
func TestPermissionDeniedNamesTheGroup(t *testing.T) {
	dir := t.TempDir()
	group, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("no name for this process's group: %v", err)
	}
	sock := filepath.Join(dir, "ringd.sock")
	denied := &client.PermissionError{Socket: sock, Err: &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}}
	msg := errorText(fmt.Errorf("status: %w", denied))
	if !strings.Contains(msg, "permission denied on "+sock) || !strings.Contains(msg, "Add yourself to group "+group.Name) {
		t.Fatalf("message %q: want the socket and group %s", msg, group.Name)
	}
	if code := exitCode(denied); code != exitNoDaemon {
		t.Fatalf("exit %d, want %d", code, exitNoDaemon)
	}
	gone := &client.NoDaemonError{Socket: sock, Err: os.NewSyscallError("connect", syscall.ENOENT)}
	if msg := errorText(gone); strings.Contains(msg, "permission") {
		t.Fatalf("a missing socket reads as a permission problem: %q", msg)
	}
}
