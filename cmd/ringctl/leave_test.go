package main

import (
	"context"
	"strings"
	"testing"
)

func TestLeaveNotYetImplemented(t *testing.T) {
	n := startTestNode(t, "alice")
	_, errOut, code := runCtl(context.Background(), "", "-s", n.socket, "leave")
	if code != exitFailed || !strings.Contains(errOut, "not implemented") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}
