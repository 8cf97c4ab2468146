package main

import (
	"context"
	"strings"
	"testing"
)

func TestJoinUsage(t *testing.T) {
	for _, args := range [][]string{{"join"}, {"join", "nocolon"}, {"join", "a:1", "b:2"}} {
		_, _, code := runCtl(context.Background(), "", append([]string{"-s", "/nonexistent/sock"}, args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestJoinNotYetImplemented(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "join", "127.0.0.1:7733")
	if code != exitFailed || !strings.Contains(errOut, "not implemented") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}
