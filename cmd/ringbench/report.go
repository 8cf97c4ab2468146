package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is everything one run measured; its JSON form is `-o json`.
// Durations are milliseconds, memory KiB (as /proc reports it).
type Report struct {
	Nodes        int               `json:"nodes"`
	Mode         string            `json:"mode"` // started | attached
	Ringd        string            `json:"ringd,omitempty"`
	Secret       bool              `json:"secret"`
	MessageBytes int               `json:"message_bytes"`
	PhaseSeconds float64           `json:"phase_seconds"`
	Phases       []string          `json:"phases"`
	Leader       string            `json:"leader,omitempty"` // the node that led during the load phases
	Join         *JoinResult       `json:"join,omitempty"`
	Throughput   *ThroughputResult `json:"throughput,omitempty"`
	Latency      *LatencyResult    `json:"latency,omitempty"`
	Failover     *FailoverResult   `json:"failover,omitempty"`
	Memory       []MemoryResult    `json:"memory"`
	Targets      []Target          `json:"targets"`
	Notes        []string          `json:"notes,omitempty"`
	Error        string            `json:"error,omitempty"`
}

// MemoryResult is one daemon's resident memory: idle (the ring formed, no
// load yet), after the load phases, and the peak so far (VmHWM).
type MemoryResult struct {
	Node      string `json:"node"`
	PID       int    `json:"pid"`
	IdleKiB   int64  `json:"idle_rss_kib"`
	LoadedKiB int64  `json:"loaded_rss_kib,omitempty"`
	PeakKiB   int64  `json:"peak_rss_kib"`
}

func memoryRows(c *cluster, idle map[*node]memSample) []MemoryResult {
	rows := make([]MemoryResult, 0, len(c.nodes))
	for _, n := range c.nodes {
		s := idle[n]
		rows = append(rows, MemoryResult{Node: n.name, PID: n.pid, IdleKiB: s.RSS, PeakKiB: s.Peak})
	}
	return rows
}

func addLoadMemory(rows []MemoryResult, c *cluster, loaded map[*node]memSample) {
	for i, n := range c.nodes {
		if s, ok := loaded[n]; ok {
			rows[i].LoadedKiB, rows[i].PeakKiB = s.RSS, s.Peak
		}
	}
}

// writeReport writes rep as a text table or JSON.
func writeReport(w io.Writer, rep *Report, format string) error {
	rep.Targets = targets(rep)
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeText(w, rep)
}

func writeText(w io.Writer, rep *Report) error {
	var b strings.Builder
	nodes := "nodes"
	if rep.Nodes == 1 {
		nodes = "node"
	}
	fmt.Fprintf(&b, "ringbench: %d %s %s", rep.Nodes, nodes, rep.Mode)
	if rep.Ringd != "" {
		fmt.Fprintf(&b, " (%s)", rep.Ringd)
	}
	if rep.Secret {
		b.WriteString(", cluster secret")
	}
	fmt.Fprintf(&b, ", %d-byte messages, %gs per load phase\n\n", rep.MessageBytes, rep.PhaseSeconds)
	if err := writeMeasures(&b, rep); err != nil {
		return err
	}
	if len(rep.Memory) > 0 {
		b.WriteString("\n")
		if err := writeNodes(&b, rep); err != nil {
			return err
		}
	}
	if len(rep.Targets) > 0 {
		b.WriteString("\nTargets: issue 7's, for 5 nodes on a 2-core machine with default settings")
		if rep.Nodes != 5 {
			fmt.Fprintf(&b, " (this ring has %d)", rep.Nodes)
		}
		b.WriteString(".\n")
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if rep.Error != "" {
		fmt.Fprintf(&b, "\nFAILED: %s\n", rep.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMeasures writes the table of measures and targets.
func writeMeasures(w io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASURE\tRESULT\tTARGET\t")
	verdict := map[string]string{}
	for _, t := range rep.Targets {
		verdict[t.Measure] = t.Target + "  " + t.verdict()
	}
	row := func(measure, result, target string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", measure, result, verdict[target])
	}
	if j := rep.Join; j != nil && j.Joins > 0 {
		row(fmt.Sprintf("join: call returns (%d joins)", j.Joins), distText(j.Return), "join")
		row("join: every member lists it", distText(j.Ring), "")
	}
	if t := rep.Throughput; t != nil {
		row("throughput to every member", thousands(t.PerSecond)+" msg/s", "throughput")
		row("  messages, seconds, say streams", fmt.Sprintf("%d in %.2f s, %d streams", t.Messages, t.Seconds, t.Senders), "")
		row("  acknowledged to the sayers", thousands(t.AckedPerSecond)+" msg/s", "")
		if c := perMessageText(t.CPU); c != "" {
			row("  daemons' cost per message", c, "")
		}
		if t.StreamDrops > 0 {
			row("  follow streams dropped by ringd", fmt.Sprintf("%d (resumed with --since)", t.StreamDrops), "")
		}
	}
	if l := rep.Latency; l != nil {
		row(fmt.Sprintf("latency to every member at %d msg/s", l.Offered), distText(l.ToAll), "latency")
		row("latency to each member", distText(l.ToEach), "")
		row("  offered rate achieved", fmt.Sprintf("%s msg/s (%d said)", thousands(l.SaidPerSecond), l.Said), "")
		if c := perMessageText(l.CPU); c != "" {
			row("  daemons' cost per message", c, "")
		}
		if l.StreamDrops > 0 {
			row("  follow streams dropped by ringd", fmt.Sprintf("%d (resumed with --since)", l.StreamDrops), "")
		}
	}
	if f := rep.Failover; f != nil {
		row("failover: kill -9 leader -> say returns", fmt.Sprintf("%.1f ms", f.ReceiptMS), "failover")
		row("  -> on every survivor", fmt.Sprintf("%.1f ms", f.DeliveredMS), "")
		if f.LeaderMS > 0 {
			row("  -> \"new leader\" on every survivor", fmt.Sprintf("%.1f ms", f.LeaderMS), "")
		}
		row("  killed, said on, new leader", fmt.Sprintf("%s, %s, %s", f.Killed, f.SaidOn, f.NewLeader), "")
	}
	if len(rep.Memory) > 0 {
		row("memory: largest idle RSS", mb(maxIdle(rep.Memory)), "memory")
	}
	return tw.Flush()
}

// writeNodes writes one line per daemon: memory, and CPU in the load phases.
func writeNodes(w io.Writer, rep *Report) error {
	var tcpu, lcpu *CPUUse
	if rep.Throughput != nil {
		tcpu = rep.Throughput.CPU
	}
	if rep.Latency != nil {
		lcpu = rep.Latency.CPU
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "NODE\tPID\tIDLE RSS\tAFTER LOAD\tPEAK RSS\tCPU THROUGHPUT\tCPU LATENCY\t")
	for _, m := range rep.Memory {
		loaded := "-"
		if m.LoadedKiB > 0 {
			loaded = mb(m.LoadedKiB)
		}
		name := m.Node
		if name == rep.Leader {
			name += " (leader)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", name, m.PID, mb(m.IdleKiB), loaded, mb(m.PeakKiB),
			coresText(tcpu, m.Node), coresText(lcpu, m.Node))
	}
	if tcpu != nil || lcpu != nil {
		fmt.Fprintf(tw, "ringbench\t\t\t\t\t%s\t%s\t\n", coresText(tcpu, ""), coresText(lcpu, ""))
		fmt.Fprintf(tw, "other processes\t\t\t\t\t%s\t%s\t\n", othersText(tcpu), othersText(lcpu))
	}
	return tw.Flush()
}

func othersText(u *CPUUse) string {
	if u == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f cores", u.Others)
}

// coresText is the CPU a node (name) or ringbench ("") used, in cores.
func coresText(u *CPUUse, name string) string {
	if u == nil {
		return "-"
	}
	v, ok := u.Ringbench, true
	if name != "" {
		v, ok = u.Nodes[name]
	}
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f cores", v)
}

// distText is "p50 X  p90 X  p99 X  max X ms".
func distText(d Dist) string {
	if d.N == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s ms", msText(d.P50), msText(d.P90), msText(d.P99), msText(d.Max))
}

// msText shows milliseconds with two decimals below 10, one below 100.
func msText(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// mb shows KiB as megabytes (10^6 bytes), the unit of the targets.
func mb(kib int64) string {
	if kib == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB", float64(kib)*1024/1e6)
}

// thousands shows v rounded, with thousands separated by commas.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func maxIdle(rows []MemoryResult) int64 {
	var m int64
	for _, r := range rows {
		m = max(m, r.IdleKiB)
	}
	return m
}

// perMessageText is the daemons' CPU, read/write system calls and context
// switches per message delivered, all daemons together; "" when unknown.
func perMessageText(u *CPUUse) string {
	if u == nil {
		return ""
	}
	var parts []string
	if u.NodeMicrosPerMessage > 0 {
		parts = append(parts, fmt.Sprintf("%.0f µs of CPU", u.NodeMicrosPerMessage))
	}
	if u.SyscallsPerMessage > 0 {
		parts = append(parts, fmt.Sprintf("%.1f read/write syscalls", u.SyscallsPerMessage))
	}
	if u.SwitchesPerMessage > 0 {
		parts = append(parts, fmt.Sprintf("%.1f context switches", u.SwitchesPerMessage))
	}
	return strings.Join(parts, ", ")
}
