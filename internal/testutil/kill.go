package testutil

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// KillAfterAcks runs the test named helper of this test binary in a
// process of its own, with env set to value. The helper prints a number on
// each line, the last thing it made durable; once it printed want (or
// ended), the process is killed with SIGKILL. It returns the last number
// printed, failing the test if there was none.
func KillAfterAcks(t testing.TB, helper, env, value string, want uint64) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$")
	cmd.Env = append(os.Environ(), env+"="+value)
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
	if acked == 0 {
		t.Fatalf("%s acknowledged nothing", helper)
	}
	return acked
}
