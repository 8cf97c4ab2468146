package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ringchat/ring/internal/cli"
)

// runBench runs ringbench in-process and returns stdout, stderr and the exit code.
func runBench(ctx context.Context, args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := execute(ctx, args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String(), errOut.String(), code
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "yaml"}, "--output must be text or json"},
		{[]string{"-n", "0"}, "-n must be from 1 to 100"},
		{[]string{"-n", "2", "--socket", "/tmp/x.sock"}, "-n and --socket do not go together"},
		{[]string{"--socket", "/tmp/x.sock", "--keep"}, "not with --socket"},
		{[]string{"--rate", "0"}, "--rate must be from 1"},
		{[]string{"--size", "10"}, "--size must be from 32 to 4096 bytes"},
		{[]string{"-d", "0s"}, "--duration must be above 0"},
		{[]string{"--phases", "throughput,warp"}, `unknown phase "warp"`},
		{[]string{"-n", "2"}, "the failover phase needs at least 3 nodes"},
		{[]string{"--senders", "0"}, "--senders must be from 1"},
		{[]string{"--bogus"}, "unknown flag"},
		{[]string{"extra"}, "unknown command"},
		{[]string{"--ringd", "/nonexistent/ringd"}, "--ringd /nonexistent/ringd"},
	} {
		out, errOut, code := runBench(context.Background(), c.args...)
		if code != cli.ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("ringbench %v: exit %d, stdout %q, stderr %q; want exit 2 naming %q and no report", c.args, code, out, errOut, c.want)
		}
	}
}

func TestParsePhasesDefaults(t *testing.T) {
	if got, _ := parsePhases("", false); strings.Join(got, ",") != "throughput,latency,failover" {
		t.Errorf("started default = %v", got)
	}
	if got, _ := parsePhases("", true); strings.Join(got, ",") != "throughput,latency" {
		t.Errorf("attached default = %v (failover must be asked for: it kills a daemon)", got)
	}
	if got, _ := parsePhases(" latency , latency,failover", true); strings.Join(got, ",") != "latency,failover" {
		t.Errorf("parsePhases = %v", got)
	}
}

func TestFindRingd(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "ringbench")
	beside := filepath.Join(dir, "ringd")
	noPath := func(string) (string, error) { return "", errors.New("not found") }
	self := func() (string, error) { return exe, nil }

	if _, err := findRingd("", self, noPath); err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("with no ringd anywhere: %v", err)
	}
	if got, err := findRingd("", self, func(string) (string, error) { return "/usr/bin/ringd", nil }); err != nil || got != "/usr/bin/ringd" {
		t.Fatalf("PATH fallback = %q, %v", got, err)
	}
	if err := os.WriteFile(beside, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := findRingd("", self, noPath); err != nil || got != beside {
		t.Fatalf("next to ringbench = %q, %v", got, err)
	}
	if _, err := findRingd(dir, self, noPath); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("--ringd DIR: %v", err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := findRingd(plain, self, noPath); err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Fatalf("--ringd not executable: %v", err)
	}
}
