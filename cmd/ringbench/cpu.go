package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: Linux always
// exports them in hundredths of a second, whatever the kernel's HZ.
const userHZ = 100

// procCPU is the CPU time (user + system) pid used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(b)
}

// parseProcStat takes utime and stime (fields 14 and 15) out of a
// /proc/PID/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its closing parenthesis.
func parseProcStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the name, want 13 or more", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %q: %w", s, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// machineCPU is the CPU time all processors spent busy so far (the cpu
// line of /proc/stat: everything but idle and iowait).
func machineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseMachineStat(b)
}

func parseMachineStat(b []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var busy int64
	for i, s := range f[1:9] { // user nice system idle iowait irq softirq steal
		if i == 3 || i == 4 {
			continue
		}
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %q: %w", s, err)
		}
		busy += v
	}
	return time.Duration(busy) * time.Second / userHZ, nil
}

// selfCPU is the CPU time this process used so far.
func selfCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procSyscalls is how many read-like and write-like system calls pid made
// so far (syscr + syscw of /proc/PID/io: the read and write family, which
// Go's socket writes and reads use; not fdatasync, futex or epoll, which
// Linux counts nowhere per process).
func procSyscalls(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	return parseProcIO(b)
}

func parseProcIO(b []byte) (int64, error) {
	n, err := sumFields(b, "syscr", "syscw")
	if err != nil {
		return 0, fmt.Errorf("/proc io: %w", err)
	}
	return n, nil
}

// procSwitches is how many times pid's threads were switched out so far
// (voluntary and involuntary context switches of /proc/PID/task/*/status):
// each one a wait for a wakeup or a preemption, the per-cycle cost that
// messages do not share. Threads that exited are not counted; Go keeps
// its threads.
func procSwitches(pid int) (int64, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/status")
		if err != nil {
			continue // the thread ended meanwhile
		}
		n, err := parseSwitches(b)
		if err != nil {
			return 0, fmt.Errorf("%s/%s/status: %w", dir, t.Name(), err)
		}
		total += n
	}
	return total, nil
}

func parseSwitches(b []byte) (int64, error) {
	return sumFields(b, "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
}

// sumFields adds up the "key: number" lines of b named by keys; each must
// be there once.
func sumFields(b []byte, keys ...string) (int64, error) {
	var total int64
	seen := map[string]bool{}
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(line), []byte(":"))
		if !ok || !slices.Contains(keys, string(k)) {
			continue
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", k, err)
		}
		if seen[string(k)] {
			return 0, fmt.Errorf("%s given twice", k)
		}
		seen[string(k)] = true
		total += n
	}
	if len(seen) != len(keys) {
		return 0, fmt.Errorf("want one each of %s", strings.Join(keys, ", "))
	}
	return total, nil
}

// cpuMeter measures the CPU each node and ringbench use over a phase, and
// the daemons' read and write system calls and context switches.
type cpuMeter struct {
	start    time.Time
	self     time.Duration
	machine  time.Duration // -1: unknown
	nodes    map[*node]time.Duration
	syscalls map[*node]int64
	switches map[*node]int64
	measured int // daemons with a pid: the figures hold only if each was read
}

func startCPU(c *cluster) *cpuMeter {
	m := &cpuMeter{start: time.Now(), self: selfCPU(), machine: -1, nodes: map[*node]time.Duration{}, syscalls: map[*node]int64{}, switches: map[*node]int64{}}
	if t, err := machineCPU(); err == nil {
		m.machine = t
	}
	for _, n := range c.live() {
		if n.pid == 0 {
			continue
		}
		m.measured++
		if t, err := procCPU(n.pid); err == nil {
			m.nodes[n] = t
		}
		if c, err := procSyscalls(n.pid); err == nil {
			m.syscalls[n] = c
		}
		if c, err := procSwitches(n.pid); err == nil {
			m.switches[n] = c
		}
	}
	return m
}

// CPUUse is the CPU used over a phase, in cores (1.0 = one core all along).
type CPUUse struct {
	Seconds   float64            `json:"seconds"`
	Ringbench float64            `json:"ringbench_cores"`
	Nodes     map[string]float64 `json:"node_cores"`
	// Machine: every processor's busy time; Others: what neither ringbench
	// nor the measured daemons used of it (other work on the machine skews
	// the figures).
	Machine float64 `json:"machine_cores"`
	Others  float64 `json:"others_cores"`
	// Per message delivered to every member, over all daemons: their CPU
	// (µs), their read and write system calls and their threads' context
	// switches. Zero when unknown.
	NodeMicrosPerMessage float64 `json:"node_us_per_message"`
	SyscallsPerMessage   float64 `json:"node_rw_syscalls_per_message"`
	SwitchesPerMessage   float64 `json:"node_context_switches_per_message"`

	nodeCPU  time.Duration // all daemons' CPU over the phase, -1 unknown
	syscalls int64         // all daemons' read and write calls, -1 unknown
	switches int64         // all daemons' context switches, -1 unknown
}

// perMessage sets the per-message figures for msgs messages.
func (u *CPUUse) perMessage(msgs int) {
	if u == nil || msgs <= 0 {
		return
	}
	if u.nodeCPU >= 0 {
		u.NodeMicrosPerMessage = round3(float64(u.nodeCPU.Microseconds()) / float64(msgs))
	}
	if u.syscalls >= 0 {
		u.SyscallsPerMessage = round3(float64(u.syscalls) / float64(msgs))
	}
	if u.switches >= 0 {
		u.SwitchesPerMessage = round3(float64(u.switches) / float64(msgs))
	}
}

func (m *cpuMeter) stop() *CPUUse {
	wall := time.Since(m.start)
	u := &CPUUse{Seconds: round3(wall.Seconds()), Ringbench: cores(selfCPU()-m.self, wall), Nodes: map[string]float64{}}
	ours := u.Ringbench
	allCPU := len(m.nodes) == m.measured && m.measured > 0 // every daemon, at start and at stop
	for n, before := range m.nodes {
		if t, err := procCPU(n.pid); err == nil {
			u.Nodes[n.name] = cores(t-before, wall)
			u.nodeCPU += t - before
			ours += u.Nodes[n.name]
		} else {
			allCPU = false
		}
	}
	if !allCPU {
		u.nodeCPU = -1
	}
	u.syscalls = m.delta(m.syscalls, procSyscalls)
	u.switches = m.delta(m.switches, procSwitches)
	if t, err := machineCPU(); err == nil && m.machine >= 0 {
		u.Machine = cores(t-m.machine, wall)
		u.Others = round3(max(u.Machine-ours, 0))
	}
	return u
}

// delta sums what count says each daemon did since before; -1 unless
// every daemon was counted at the start and now.
func (m *cpuMeter) delta(before map[*node]int64, count func(pid int) (int64, error)) int64 {
	if len(before) != m.measured || m.measured == 0 {
		return -1
	}
	var total int64
	for n, b := range before {
		c, err := count(n.pid)
		if err != nil {
			return -1
		}
		total += c - b
	}
	return total
}

func cores(used, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return round3(used.Seconds() / wall.Seconds())
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
