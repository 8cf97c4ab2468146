package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/cli"
)

// ringdBin is a ringd built once for the package's tests.
var ringdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ringbench-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ringdBin = filepath.Join(dir, "ringd")
	args := []string{"build", "-o", ringdBin}
	if raceEnabled {
		args = append(args, "-race")
		// Race-built binaries otherwise sleep a second at exit.
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	build := exec.Command("go", append(args, "../ringd")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build ringd:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func decodeReport(t *testing.T, out string) Report {
	t.Helper()
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	return rep
}

// TestRunThreeNodes is a short real run: three ringd processes, every
// phase (a ring of two that loses its leader waits for it: the failover
// phase needs three).
func TestRunThreeNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, code := runBench(ctx, "-n", "3", "-d", "400ms", "--rate", "250", "--ringd", ringdBin, "-o", "json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	rep := decodeReport(t, out)
	if rep.Error != "" || rep.Mode != "started" || rep.Nodes != 3 || rep.Leader != "n1" {
		t.Errorf("report header: %+v", rep)
	}
	if j := rep.Join; j == nil || j.Joins != 2 || j.Return.N != 2 || j.Return.Max <= 0 || j.Ring.Max < j.Return.Max {
		t.Errorf("join: %+v", rep.Join)
	}
	if tp := rep.Throughput; tp == nil || tp.Messages < 10 || tp.PerSecond <= 0 || tp.Senders != min(3, defaultSenders) || tp.CPU == nil || len(tp.CPU.Nodes) != 3 {
		t.Errorf("throughput: %+v", rep.Throughput)
	}
	// 250 msg/s for 0.4 s, each on all three nodes.
	if l := rep.Latency; l == nil || l.Said != 100 || l.ToAll.N != 100 || l.ToEach.N != 300 || l.ToAll.P50 <= 0 || l.ToAll.Max < l.ToAll.P99 {
		t.Errorf("latency: %+v", rep.Latency)
	}
	if f := rep.Failover; f == nil || f.Killed != "n1" || f.SaidOn != "n2" || (f.NewLeader != "n2" && f.NewLeader != "n3") || f.ReceiptMS <= 0 || f.DeliveredMS <= 0 {
		t.Errorf("failover: %+v", rep.Failover)
	}
	if len(rep.Memory) != 3 {
		t.Fatalf("memory: %+v", rep.Memory)
	}
	for _, m := range rep.Memory {
		if m.PID <= 0 || m.IdleKiB <= 0 || m.LoadedKiB <= 0 || m.PeakKiB < m.LoadedKiB {
			t.Errorf("memory of %s: %+v", m.Node, m)
		}
	}
	if len(rep.Targets) != 5 {
		t.Errorf("targets: %+v", rep.Targets)
	}
	for _, want := range []string{"starting 3 ringd", "throughput:", "latency:", "failover:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("progress on stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out, "kept in") {
		t.Errorf("the daemons' directory was kept after a clean run:\n%s", out)
	}
}

// TestAttach measures a ring that ringbench did not start, found by its
// sockets; the memory it reports is of the processes behind them.
func TestAttach(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := spawn(ctx, ringdBin, 2, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close(false)
	if _, err := c.nodes[1].cl.Join(ctx, c.nodes[0].addr); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runBench(ctx, "--socket", c.nodes[0].socket, "--socket", c.nodes[1].socket,
		"-d", "300ms", "--phases", "throughput", "-o", "json", "-q")
	if code != cli.ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if errOut != "" {
		t.Errorf("-q printed progress: %q", errOut)
	}
	rep := decodeReport(t, out)
	if rep.Mode != "attached" || rep.Join != nil || rep.Latency != nil || rep.Failover != nil || rep.Throughput == nil {
		t.Errorf("attached run: %+v", rep)
	}
	for i, m := range rep.Memory {
		if m.PID != c.nodes[i].pid || m.IdleKiB <= 0 {
			t.Errorf("memory row %d: %+v, want pid %d", i, m, c.nodes[i].pid)
		}
	}
	if st, err := c.nodes[0].status(ctx); err != nil || st.Members != 2 {
		t.Errorf("the attached ring after the run: %+v, %v", st, err)
	}
}

func TestAttachNoDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	out, errOut, code := runBench(context.Background(), "--socket", sock, "-q")
	if code != cli.ExitFailure || !strings.Contains(errOut, "attach to "+sock) || !strings.Contains(out, "FAILED: attach to "+sock) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
