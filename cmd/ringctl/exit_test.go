package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ringchat/ring/internal/cli"
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
