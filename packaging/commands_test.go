package packaging_test

// Commands the install test runs, each bounded in time.

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

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
