package testutil

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// KillAfterAcks runs the test named helper of this test binary in a
// process of its own, with env set to value. The helper prints a number on
// each line, the last thing it made durable; once it printed want, the
// process is killed with SIGKILL. It returns the last number printed,
// failing the test (with the helper's stderr) if the helper ended first.
func KillAfterAcks(t testing.TB, helper, env, value string, want uint64) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$")
	cmd.Env = append(os.Environ(), env+"="+value)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked uint64
	lines := bufio.NewScanner(out)
	for acked < want && lines.Scan() {
		if n, err := strconv.ParseUint(lines.Text(), 10, 64); err == nil {
			acked = n
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if acked < want {
		t.Fatalf("%s ended after acknowledging %d of %d; stderr:\n%s", helper, acked, want, stderr.String())
	}
	return acked
}
