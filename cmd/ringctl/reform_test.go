package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/cli"
)

// TestReformNeedsYes: without --yes the command refuses as bad usage and
// the daemon is not asked.
func TestReformNeedsYes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, errOut, code := runCtl(ctx, "", "-s", "/nonexistent/ringd.sock", "reform")
	if code != cli.ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Fatalf("reform without --yes: exit %d, stderr %q; want exit %d naming --yes", code, errOut, cli.ExitUsage)
	}
}

// TestReformRefusedWithQuorum: a node that leads its ring (it has its
// quorum) refuses to reform, and the refusal is the daemon's, exit 1.
func TestReformRefusedWithQuorum(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := startTestNode(t, "solo")
	_, errOut, code := runCtl(ctx, "", "-s", n.socket, "reform", "--yes")
	if code != cli.ExitFailure || !strings.Contains(errOut, "not in no-quorum") {
		t.Fatalf("reform on a leader: exit %d, stderr %q; want exit %d saying it is not in no-quorum", code, errOut, cli.ExitFailure)
	}
}
