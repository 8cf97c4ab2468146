package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
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

// cpuMeter measures the CPU each node and ringbench use over a phase.
type cpuMeter struct {
	start   time.Time
	self    time.Duration
	machine time.Duration // -1: unknown
	nodes   map[*node]time.Duration
}

func startCPU(c *cluster) *cpuMeter {
	m := &cpuMeter{start: time.Now(), self: selfCPU(), machine: -1, nodes: map[*node]time.Duration{}}
	if t, err := machineCPU(); err == nil {
		m.machine = t
	}
	for _, n := range c.live() {
		if n.pid == 0 {
			continue
		}
		if t, err := procCPU(n.pid); err == nil {
			m.nodes[n] = t
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
}

func (m *cpuMeter) stop() *CPUUse {
	wall := time.Since(m.start)
	u := &CPUUse{Seconds: round3(wall.Seconds()), Ringbench: cores(selfCPU()-m.self, wall), Nodes: map[string]float64{}}
	ours := u.Ringbench
	for n, before := range m.nodes {
		if t, err := procCPU(n.pid); err == nil {
			u.Nodes[n.name] = cores(t-before, wall)
			ours += u.Nodes[n.name]
		}
	}
	if t, err := machineCPU(); err == nil && m.machine >= 0 {
		u.Machine = cores(t-m.machine, wall)
		u.Others = round3(max(u.Machine-ours, 0))
	}
	return u
}

func cores(used, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return round3(used.Seconds() / wall.Seconds())
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
