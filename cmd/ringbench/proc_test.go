package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseProcStatus(t *testing.T) {
	in := "Name:\tringd\nVmPeak:\t 1700000 kB\nVmHWM:\t   23456 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n"
	s, err := parseProcStatus([]byte(in))
	if err != nil || s.RSS != 12345 || s.Peak != 23456 {
		t.Fatalf("parseProcStatus = %+v, %v", s, err)
	}
	for _, bad := range []string{"Name:\tx\n", "VmRSS:\t12 kB\n", "VmRSS:\tlots kB\nVmHWM:\t1 kB\n"} {
		if _, err := parseProcStatus([]byte(bad)); err == nil {
			t.Errorf("parseProcStatus(%q) accepted", bad)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	in := "4242 (ri ng) (d) S 1 4242 4242 0 -1 4194560 300 0 0 0 150 25 0 0 20 0 9 0 100 0 0\n"
	d, err := parseProcStat([]byte(in))
	if err != nil || d != 1750*time.Millisecond {
		t.Fatalf("parseProcStat = %v, %v; want 1.75s (175 ticks)", d, err)
	}
	if _, err := parseProcStat([]byte("4242 (ringd) S 1 2 3\n")); err == nil {
		t.Error("a short stat line was accepted")
	}
}

func TestParseMachineStat(t *testing.T) {
	in := "cpu  100 5 50 9000 40 3 2 0 0 0\ncpu0 50 2 25 4500 20 1 1 0 0 0\n"
	d, err := parseMachineStat([]byte(in))
	if err != nil || d != 1600*time.Millisecond {
		t.Fatalf("parseMachineStat = %v, %v; want 1.6s (160 busy ticks, idle and iowait left out)", d, err)
	}
	if _, err := parseMachineStat([]byte("intr 1 2 3\n")); err == nil {
		t.Error("a /proc/stat without a cpu line was accepted")
	}
}

// TestReadOwnProcess reads this test process's own /proc files.
func TestReadOwnProcess(t *testing.T) {
	m, err := readMem(os.Getpid())
	if err != nil || m.RSS <= 0 || m.Peak < m.RSS {
		t.Fatalf("readMem(self) = %+v, %v", m, err)
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if _, err := readMem(-1); err == nil || !strings.Contains(err.Error(), "/proc/-1/status") {
		t.Fatalf("readMem(-1) = %v, want an error naming the file", err)
	}
}

func TestParseCounters(t *testing.T) {
	io := "rchar: 1234\nwchar: 99\nsyscr: 40\nsyscw: 2\nread_bytes: 0\nwrite_bytes: 4096\ncancelled_write_bytes: 0\n"
	status := "Name:\tringd\nThreads:\t1\nvoluntary_ctxt_switches:\t40\nnonvoluntary_ctxt_switches:\t2\n"
	for _, c := range []struct {
		name  string
		parse func([]byte) (int64, error)
		good  string
		bad   []string
	}{
		{"parseProcIO", parseProcIO, io, []string{"", "rchar: 1\n", "syscr: x\nsyscw: 1\n", "syscr: 1\n", "syscr: 1\nsyscr: 1\n"}},
		{"parseSwitches", parseSwitches, status, []string{"", "Name:\tx\n", "voluntary_ctxt_switches: x\nnonvoluntary_ctxt_switches: 1\n", "voluntary_ctxt_switches: 1\n"}},
	} {
		if n, err := c.parse([]byte(c.good)); err != nil || n != 42 {
			t.Errorf("%s = %d, %v; want 42", c.name, n, err)
		}
		for _, bad := range c.bad {
			if _, err := c.parse([]byte(bad)); err == nil {
				t.Errorf("%s(%q) gave no error", c.name, bad)
			}
		}
	}
}

func TestProcSwitchesCountsThisProcess(t *testing.T) {
	before, err := procSwitches(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, err := procSwitches(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after > before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("context switches stayed at %d", after)
		}
		time.Sleep(time.Millisecond) // a sleeping thread is switched out, which is what must show
	}
}

func TestPerMessage(t *testing.T) {
	u := &CPUUse{nodeCPU: 2 * time.Second, syscalls: 1500, switches: 2500}
	u.perMessage(1000)
	if u.NodeMicrosPerMessage != 2000 || u.SyscallsPerMessage != 1.5 || u.SwitchesPerMessage != 2.5 {
		t.Fatalf("per message: %v µs, %v syscalls, %v switches; want 2000, 1.5 and 2.5", u.NodeMicrosPerMessage, u.SyscallsPerMessage, u.SwitchesPerMessage)
	}
	if got, want := perMessageText(u), "2000 µs of CPU, 1.5 read/write syscalls, 2.5 context switches"; got != want {
		t.Fatalf("perMessageText = %q, want %q", got, want)
	}
	unknown := &CPUUse{nodeCPU: time.Second, syscalls: -1, switches: -1}
	unknown.perMessage(10)
	if unknown.SyscallsPerMessage != 0 || unknown.SwitchesPerMessage != 0 || perMessageText(unknown) != "100000 µs of CPU" {
		t.Fatalf("unknown syscalls: %v, %q", unknown.SyscallsPerMessage, perMessageText(unknown))
	}
}
