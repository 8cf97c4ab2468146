package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func sampleReport() *Report {
	return &Report{
		Nodes: 5, Mode: "started", Ringd: "bin/ringd", MessageBytes: 100, PhaseSeconds: 3,
		Phases: []string{"throughput", "latency", "failover"}, Leader: "n1",
		Join:       &JoinResult{Joins: 4, Return: Dist{N: 4, P50: 2.5, P90: 3, P99: 3, Max: 61}, Ring: Dist{N: 4, P50: 3, Max: 4}},
		Throughput: &ThroughputResult{Senders: 5, Messages: 63000, Seconds: 3.15, PerSecond: 20000, AckedPerSecond: 20100, StreamDrops: 2, CPU: &CPUUse{Ringbench: 0.3, Nodes: map[string]float64{"n1": 0.41}, Others: 0.05}},
		Latency:    &LatencyResult{Offered: 1000, Said: 3000, SaidPerSecond: 1000, ToAll: Dist{N: 3000, P50: 1.2, P90: 3, P99: 5.5, Max: 20}, ToEach: Dist{N: 15000, P50: 1}},
		Failover:   &FailoverResult{Killed: "n1", SaidOn: "n2", NewLeader: "n5", ReceiptMS: 9.5, DeliveredMS: 10, LeaderMS: 8},
		Memory: []MemoryResult{
			{Node: "n1", PID: 11, IdleKiB: 12_000, LoadedKiB: 20_000, PeakKiB: 22_000},
			{Node: "n2", PID: 12, IdleKiB: 25_000, PeakKiB: 25_000},
		},
	}
}

func TestTargets(t *testing.T) {
	got := map[string]Target{}
	for _, tg := range targets(sampleReport()) {
		got[tg.Measure] = tg
	}
	want := map[string]bool{"join": false, "throughput": true, "latency": false, "failover": true, "memory": false}
	if len(got) != len(want) {
		t.Fatalf("targets = %+v", got)
	}
	for m, met := range want {
		if got[m].Met != met {
			t.Errorf("%s: met = %v, want %v (%+v)", m, got[m].Met, met, got[m])
		}
	}
	if v := got["memory"].Value; v < 25.5 || v > 25.7 {
		t.Errorf("memory value = %v MB, want 25,000 KiB = 25.6 MB", v)
	}
	rep := sampleReport()
	rep.Latency.Offered = 500
	for _, tg := range targets(rep) {
		if tg.Measure == "latency" && !strings.Contains(tg.Note, "1000 msg/s") {
			t.Errorf("latency at another rate has no note: %+v", tg)
		}
	}
}

func TestTextReport(t *testing.T) {
	var out bytes.Buffer
	if err := writeReport(&out, sampleReport(), "text"); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"ringbench: 5 nodes started (bin/ringd), 100-byte messages, 3s per load phase",
		"join: call returns (4 joins)", "p50 2.50  p90 3.00  p99 3.00  max 61.0 ms", "max <= 50 ms  MISSED",
		"throughput to every member", "20,000 msg/s", ">= 20,000 msg/s  met",
		"follow streams dropped by ringd", "2 (resumed with --since)",
		"latency to every member at 1000 msg/s", "p99 <= 5 ms  MISSED",
		"failover: kill -9 leader -> say returns", "9.5 ms", "<= 300 ms  met", "n1, n2, n5",
		"memory: largest idle RSS", "25.6 MB", "idle <= 25 MB  MISSED",
		"n1 (leader)", "12.3 MB", "20.5 MB", "0.41 cores", "ringbench", "0.30 cores", "other processes", "0.05 cores",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("text report lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "FAILED") {
		t.Errorf("a report without error says FAILED:\n%s", s)
	}
	rep := sampleReport()
	rep.Error = "throughput: boom"
	out.Reset()
	if err := writeReport(&out, rep, "text"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "FAILED: throughput: boom") {
		t.Errorf("the error is not shown:\n%s", out.String())
	}
}

func TestJSONReportFields(t *testing.T) {
	var out bytes.Buffer
	if err := writeReport(&out, sampleReport(), "json"); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	for _, path := range []string{
		"nodes", "mode", "join.return.p50_ms", "join.ring.max_ms", "throughput.per_second", "throughput.cpu.node_cores",
		"latency.to_all.p99_ms", "latency.to_each.n", "latency.offered_per_second",
		"failover.receipt_ms", "failover.delivered_ms", "memory", "targets",
	} {
		var v any = m
		for key := range strings.SplitSeq(path, ".") {
			obj, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = obj[key]
		}
		if v == nil {
			t.Errorf("JSON report lacks %s:\n%s", path, out.String())
		}
	}
	if mem := m["memory"].([]any)[0].(map[string]any); mem["idle_rss_kib"] != float64(12000) {
		t.Errorf("memory[0] = %v", mem)
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 23456.6: "23,457", 1234567: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
