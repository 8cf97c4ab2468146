package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// Multi-process ring tests (SPEC §7): five real ringd processes on
// loopback, each in its own directory with its own socket and data dir,
// joined through different members. Each test starts its own fresh ring.
// Every wait is a poll with a deadline.

// fiveVia joins n2 through n1, n3 through n2, n4 through n1 and n5 through
// n3: the ring is n1 n4 n2 n3 n5, led by n1, whose next is n4.
var fiveVia = []int{-1, 0, 1, 0, 2}

const (
	agreeWithin   = 20 * time.Second // a fault is detected and the ring repaired
	consistWithin = 15 * time.Second // every survivor's log catches up
)

// prepare starts the five-node ring, has every node say something and
// waits until every log holds all of it. It returns the receipts.
func prepare(t *testing.T) (*testRing, []chat.Receipt) {
	t.Helper()
	start := time.Now()
	r := startRing(t, fiveVia)
	var acked []chat.Receipt
	for _, n := range r.nodes {
		acked = append(acked, r.say(n, "hello from "+n.name))
	}
	waitConsistent(t, consistWithin, sockets(r.nodes), acked)
	t.Logf("five-node ring formed and agreed on %d messages in %v", len(acked), time.Since(start).Round(time.Millisecond))
	return r, acked
}

// sayBeforeFault has the given nodes say a few messages one right after
// another, without waiting for the rest of the ring to store them.
func sayBeforeFault(r *testRing, ns ...*ringNode) []chat.Receipt {
	r.t.Helper()
	var acked []chat.Receipt
	for i := range 2 {
		for _, n := range ns {
			acked = append(acked, r.say(n, fmt.Sprintf("just before the fault, %s #%d", n.name, i+1)))
		}
	}
	return acked
}

// sayEverywhere has every live node say something; every message must
// then be in every log exactly once.
func sayEverywhere(r *testRing, acked []chat.Receipt, what string) []chat.Receipt {
	r.t.Helper()
	for _, n := range r.alive() {
		acked = append(acked, r.say(n, what+" from "+n.name))
	}
	waitConsistent(r.t, consistWithin, sockets(r.alive()), acked)
	return acked
}

// systemEvents counts the system messages whose text mentions the node
// (its name and address, as the ring writes it) and contains word.
func systemEvents(log []chat.Message, n *ringNode, word string) int {
	k := 0
	for _, m := range log {
		if m.Kind == chat.KindSystem && strings.Contains(m.Text, n.name+"("+n.addr+")") && strings.Contains(m.Text, word) {
			k++
		}
	}
	return k
}

func except(ns []*ringNode, out ...*ringNode) []*ringNode {
	return slices.DeleteFunc(slices.Clone(ns), func(n *ringNode) bool { return slices.Contains(out, n) })
}

// testKill9 kills one node with SIGKILL (the one pick chooses) and checks
// that the survivors repair the ring, agree on one leader and one chat,
// lose nothing acknowledged before the kill and chat again.
func testKill9(t *testing.T, pick func(leader, next, plain *ringNode) *ringNode) {
	r, acked := prepare(t)
	leader, next, plain := r.roles()
	victim := pick(leader, next, plain)
	t.Logf("leader %s, its next %s, a plain member %s: killing %s", leader.name, next.name, plain.name, victim.name)

	acked = append(acked, sayBeforeFault(r, except(r.nodes, victim)[:2]...)...)
	killed := time.Now()
	r.kill9(victim)

	st := r.waitAgreed(agreeWithin)
	t.Logf("survivors agree on leader %s (epoch %d) %v after the kill", r.byID(st.Leader.ID).name, st.Epoch, time.Since(killed).Round(time.Millisecond))
	switch {
	case victim == leader && st.Leader.ID == leader.id:
		t.Fatalf("the dead leader is still leader: %+v", st)
	case victim != leader && st.Leader.ID != leader.id:
		t.Errorf("a member died but the leader changed from %s to %s", leader.name, st.Leader.Name)
	}
	log := waitConsistent(t, consistWithin, sockets(r.alive()), acked)
	if k := systemEvents(log, victim, "died"); k == 0 {
		t.Errorf("no system message says %s died:\n%s", victim.name, dumpLogs([]nodeLog{{"agreed", log}}))
	} else if k > 1 {
		t.Logf("%s's death was announced %d times", victim.name, k)
	}
	if victim == leader && systemEvents(log, r.byID(st.Leader.ID), "new leader") == 0 {
		t.Errorf("no system message announces the new leader %s", st.Leader.Name)
	}

	acked = sayEverywhere(r, acked, "after the kill")
	checkInvariants(t, sockets(r.alive()), acked)
}

func TestRingKillLeader(t *testing.T) {
	testKill9(t, func(leader, _, _ *ringNode) *ringNode { return leader })
}

func TestRingKillPlainMember(t *testing.T) {
	testKill9(t, func(_, _, plain *ringNode) *ringNode { return plain })
}

func TestRingKillLeadersNext(t *testing.T) {
	testKill9(t, func(_, next, _ *ringNode) *ringNode { return next })
}

// TestRingLeaderLeaves: `ringctl leave` on the leader hands leadership over
// and loses nothing said right before it; the node stays detached.
func TestRingLeaderLeaves(t *testing.T) {
	r, acked := prepare(t)
	leader := r.leader()
	// Several nodes, the leader among them, say things right before it leaves.
	acked = append(acked, sayBeforeFault(r, r.nodes[4], leader, r.nodes[2])...)

	var st chat.Status
	start := time.Now()
	ctlJSON(t, leader.socket, &st, "leave")
	if st.State != chat.StateDetached || st.Members != 0 {
		t.Fatalf("leave answered %+v, want a detached node", st)
	}
	leader.out = true

	agreed := r.waitAgreed(agreeWithin)
	if agreed.Leader.ID == leader.id {
		t.Fatalf("the node that left is still leader: %+v", agreed)
	}
	t.Logf("%s left; the others agree on leader %s %v after `ringctl leave`", leader.name, agreed.Leader.Name, time.Since(start).Round(time.Millisecond))
	// The node that left must hold a prefix of the survivors' chat.
	log := waitConsistent(t, consistWithin, sockets(r.alive()), acked, leader.socket)
	if systemEvents(log, leader, "left") == 0 {
		t.Errorf("no system message says %s left:\n%s", leader.name, dumpLogs([]nodeLog{{"agreed", log}}))
	}
	acked = sayEverywhere(r, acked, "after the leave")

	// It stayed detached while the ring went on without it.
	ctlJSON(t, leader.socket, &st, "status")
	if st.State != chat.StateDetached || st.Members != 0 || st.LastSeq >= acked[len(acked)-1].Seq {
		t.Fatalf("the node that left: %+v", st)
	}
	var ms []chat.Member
	ctlJSON(t, leader.socket, &ms, "members")
	if len(ms) != 0 {
		t.Errorf("a detached node lists members %+v", ms)
	}
	if _, errOut, code := ctl(t, leader.socket, "say", "am I still here?"); code != 1 || !strings.Contains(errOut, "join") {
		t.Errorf("say on a detached node: exit %d %q, want 1 and a hint to join", code, errOut)
	}
	checkInvariants(t, append(sockets(r.alive()), leader.socket), acked)
}

// TestRingSIGTERM: SIGTERM makes a node leave gracefully and exit 0; the
// others record that it left, not that it died.
func TestRingSIGTERM(t *testing.T) {
	t.Run("plain member", func(t *testing.T) {
		testSIGTERM(t, func(_, plain *ringNode) *ringNode { return plain })
	})
	t.Run("leader", func(t *testing.T) {
		testSIGTERM(t, func(leader, _ *ringNode) *ringNode { return leader })
	})
}

func testSIGTERM(t *testing.T, pick func(leader, plain *ringNode) *ringNode) {
	r, acked := prepare(t)
	leader, _, plain := r.roles()
	victim := pick(leader, plain)
	acked = append(acked, sayBeforeFault(r, plain, leader)...)
	start := time.Now()
	if code := victim.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("ringd exited %d after SIGTERM, want 0", code)
	}
	t.Logf("%s exited 0 %v after SIGTERM", victim.name, time.Since(start).Round(time.Millisecond))
	victim.out = true
	if !strings.Contains(victim.stderr.String(), "leaving the ring before stopping") {
		t.Errorf("%s did not log its leave", victim.name)
	}
	st := r.waitAgreed(agreeWithin)
	t.Logf("the others agree on leader %s %v after SIGTERM", st.Leader.Name, time.Since(start).Round(time.Millisecond))
	switch {
	case victim == leader && st.Leader.ID == leader.id:
		t.Fatalf("the stopped leader is still leader: %+v", st)
	case victim != leader && st.Leader.ID != leader.id:
		t.Errorf("a member left but the leader changed from %s to %s", leader.name, st.Leader.Name)
	}
	log := waitConsistent(t, consistWithin, sockets(r.alive()), acked)
	if systemEvents(log, victim, "left") == 0 {
		t.Errorf("no system message says %s left:\n%s", victim.name, dumpLogs([]nodeLog{{"agreed", log}}))
	}
	if systemEvents(log, victim, "died") != 0 {
		t.Errorf("%s left gracefully but is reported dead", victim.name)
	}
	acked = sayEverywhere(r, acked, "after the stop")
	checkInvariants(t, sockets(r.alive()), acked)
}

// TestRingKillLeaderMidStream (SPEC §7): two members stream messages with
// `say -` while the leader is killed. Both streams finish with every line
// acknowledged, in input order, and every survivor holds each line exactly
// once, in input order.
func TestRingKillLeaderMidStream(t *testing.T) {
	r, acked := prepare(t)
	leader := r.leader()
	senders := except(r.nodes, leader)[:2]
	const lines = 40
	type result struct {
		n   *ringNode
		rcs []chat.Receipt
		err error
	}
	progress := make(chan struct{}, 2*lines)
	results := make(chan result, len(senders))
	for _, n := range senders {
		go func() {
			trs, err := sayLines(n, n.name+" stream", lines, 20*time.Millisecond, 45*time.Second, nil, progress)
			rcs := make([]chat.Receipt, len(trs))
			for i, tr := range trs {
				rcs[i] = tr.Receipt
			}
			results <- result{n, rcs, err}
		}()
	}
	// Kill the leader once a quarter of the lines are acknowledged.
	for range lines / 2 {
		select {
		case <-progress:
		case res := <-results:
			t.Fatalf("say - on %s ended early: %v", res.n.name, res.err)
		case <-time.After(20 * time.Second):
			t.Fatal("the streams made no progress")
		}
	}
	killed := time.Now()
	r.kill9(leader)
	for range senders {
		res := <-results
		if res.err != nil {
			t.Fatalf("say - on %s: %v", res.n.name, res.err)
		}
		if len(res.rcs) != lines {
			t.Fatalf("say - on %s acknowledged %d of %d lines", res.n.name, len(res.rcs), lines)
		}
		for i, rc := range res.rcs {
			if i > 0 && rc.Seq <= res.rcs[i-1].Seq {
				t.Fatalf("say - on %s: receipt %d (seq %d) after seq %d", res.n.name, i+1, rc.Seq, res.rcs[i-1].Seq)
			}
		}
		acked = append(acked, res.rcs...)
	}
	t.Logf("both streams acknowledged every line %v after the kill", time.Since(killed).Round(time.Millisecond))
	r.waitAgreed(agreeWithin)
	log := waitConsistent(t, consistWithin, sockets(r.alive()), acked)
	for _, n := range senders {
		next := 1
		for _, m := range log {
			if m.Kind != chat.KindChat || !strings.HasPrefix(m.Text, n.name+" stream ") {
				continue
			}
			if m.Text != fmt.Sprintf("%s stream %d", n.name, next) {
				t.Fatalf("%s's line %d is %q", n.name, next, m.Text)
			}
			next++
		}
		if next != lines+1 {
			t.Fatalf("%s's stream has %d lines in the log, want %d", n.name, next-1, lines)
		}
	}
	acked = sayEverywhere(r, acked, "after the stream")
	checkInvariants(t, sockets(r.alive()), acked)
}

// timedReceipt is a receipt of `say -` and when the test read it.
type timedReceipt struct {
	chat.Receipt
	at time.Time
}

// sayLines feeds `ringctl -o json say -` on n with lines "<prefix> <i>"
// (i from 1), one every `every` (a steady stream, not a burst), and returns
// the receipts with the time each was read. started, if not nil, is
// signalled once the first line is written (or could not be); progress
// once per receipt.
func sayLines(n *ringNode, prefix string, lines int, every, timeout time.Duration, started, progress chan<- struct{}) ([]timedReceipt, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringctlBin, "-s", n.socket, "-o", "json", "say", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer stdin.Close()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := range lines {
			_, err := fmt.Fprintf(stdin, "%s %d\n", prefix, i+1)
			if i == 0 && started != nil {
				started <- struct{}{} // also on error: do not leave the caller waiting
			}
			if err != nil {
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	var rcs []timedReceipt
	dec := json.NewDecoder(stdout)
	for {
		var rc chat.Receipt
		if err := dec.Decode(&rc); err != nil {
			break
		}
		rcs = append(rcs, timedReceipt{rc, time.Now()})
		progress <- struct{}{}
	}
	if err := cmd.Wait(); err != nil {
		return rcs, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return rcs, nil
}

// TestRingHungLeader: a leader that stops answering without closing its
// connections (SIGSTOP) is found dead by the heartbeats' failure timeout;
// the others elect a new leader. Resumed, the old leader finds the ring
// went on without it and joins again as a plain member.
func TestRingHungLeader(t *testing.T) {
	r, acked := prepare(t)
	leader := r.leader()
	if err := leader.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			leader.cmd.Process.Signal(syscall.SIGCONT)
		}
	})
	leader.out = true
	stopped := time.Now()
	st := r.waitAgreed(agreeWithin)
	if st.Leader.ID == leader.id {
		t.Fatalf("the hung leader is still leader: %+v", st)
	}
	t.Logf("survivors agree on leader %s %v after SIGSTOP", st.Leader.Name, time.Since(stopped).Round(time.Millisecond))
	log := waitConsistent(t, consistWithin, sockets(r.alive()), acked)
	if systemEvents(log, leader, "died") == 0 {
		t.Errorf("no system message says %s died", leader.name)
	}
	acked = sayEverywhere(r, acked, "while the old leader hangs")

	if err := leader.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed = true
	leader.out = false
	st2 := r.waitAgreed(agreeWithin)
	if st2.Leader.ID != st.Leader.ID {
		t.Errorf("the leader changed from %s to %s when the old one came back", st.Leader.Name, st2.Leader.Name)
	}
	waitConsistent(t, consistWithin, sockets(r.alive()), acked)
	acked = sayEverywhere(r, acked, "after the old leader came back")
	checkInvariants(t, sockets(r.nodes), acked)
}

// TestDemoScript runs scripts/demo.sh (what `make demo` runs) with the
// test's binaries: it must finish by itself and exit 0.
func TestDemoScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", "../scripts/demo.sh", filepath.Dir(ringdBin))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v after %v:\n%s", err, time.Since(start), out)
	}
	for _, want := range []string{"died", "is the new leader", "[tail -f]", "exited 0"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	t.Logf("demo.sh took %v", time.Since(start).Round(time.Millisecond))
	if t.Failed() {
		t.Logf("demo output:\n%s", out)
	}
}

// TestRingMeasure measures join latency and leader failover time on a
// five-node ring. It runs only with RING_MEASURE=1; RING_MEASURE_RUNS sets
// the number of runs (5), RING_MEASURE_BIN a directory with ringd and ringctl
// to measure instead of the race-instrumented test binaries, and
// RING_MEASURE_SLOWLOGS a directory that receives every node's log of a run
// whose failover was slow (over 1 s after kill -9, 2 s after SIGSTOP):
//
//	make build && RING_MEASURE=1 RING_MEASURE_BIN=$PWD/bin go test -v -count=1 -run TestRingMeasure ./e2e/
//
// Each run forms the ring (timing each `ringctl join`), kills the leader
// with SIGKILL (its connections close at once) and times the next `ringctl
// say` on a survivor, then stops the new leader with SIGSTOP (it hangs; only
// the heartbeats' failure timeout finds it) and times the next say again.
func TestRingMeasure(t *testing.T) {
	if os.Getenv("RING_MEASURE") == "" {
		t.Skip("set RING_MEASURE=1 to measure")
	}
	if dir := os.Getenv("RING_MEASURE_BIN"); dir != "" {
		oldD, oldC := ringdBin, ringctlBin
		ringdBin, ringctlBin = filepath.Join(dir, "ringd"), filepath.Join(dir, "ringctl")
		t.Cleanup(func() { ringdBin, ringctlBin = oldD, oldC })
	}
	runs := 5
	if s := os.Getenv("RING_MEASURE_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	var joinCLI, joinDaemon, killSay, killAgree, stopSay []time.Duration
	for run := range runs {
		t.Run(fmt.Sprint("run", run+1), func(t *testing.T) {
			r := &testRing{t: t}
			for i, via := range fiveVia {
				n := startNode(t, fmt.Sprintf("n%d", i+1))
				r.nodes = append(r.nodes, n)
				if i == 0 {
					continue
				}
				_, d := r.join(n, r.nodes[via])
				joinCLI = append(joinCLI, d)
				joining := logTimes(n, "state changed", map[string]string{"state": "joining"})
				member := logTimes(n, "state changed", map[string]string{"state": "member"})
				if len(joining) > 0 && len(member) > 0 && member[len(member)-1].After(joining[len(joining)-1]) {
					joinDaemon = append(joinDaemon, member[len(member)-1].Sub(joining[len(joining)-1]))
				}
			}
			// failover faults the leader and times the next say on a survivor.
			failover := func(what string, slow time.Duration, fault func(*ringNode)) (*ringNode, time.Duration, time.Time) {
				leader := r.leader()
				survivor := except(r.alive(), leader)[0]
				r.say(survivor, "warm up")
				start := time.Now()
				fault(leader)
				leader.out = true
				for i := 0; ; i++ {
					if _, err := sayWithin(survivor, fmt.Sprintf("after %s, try %d", what, i+1), 2*time.Second); err == nil {
						break
					}
					if time.Since(start) > 30*time.Second {
						t.Fatalf("no say succeeded within 30s of %s", what)
					}
				}
				d := time.Since(start)
				if dir := os.Getenv("RING_MEASURE_SLOWLOGS"); dir != "" && d > slow {
					for _, n := range r.nodes {
						os.WriteFile(filepath.Join(dir, fmt.Sprintf("run%d-%s-%s.log", run+1, strings.Fields(what)[0], n.name)), []byte(n.stderr.String()), 0o644)
					}
					t.Logf("slow failover (%v) after %s in run %d: leader %s, logs in %s", d, what, run+1, leader.name, dir)
				}
				return leader, d, start
			}
			_, d, killed := failover("kill -9", time.Second, func(n *ringNode) { r.kill9(n) })
			killSay = append(killSay, d)
			r.waitAgreed(agreeWithin)
			killAgree = append(killAgree, time.Since(killed))

			stopped, d, _ := failover("SIGSTOP", 2*time.Second, func(n *ringNode) { n.cmd.Process.Signal(syscall.SIGSTOP) })
			stopSay = append(stopSay, d)
			stopped.cmd.Process.Signal(syscall.SIGCONT)
		})
	}
	report := func(what string, ds []time.Duration) {
		if len(ds) == 0 {
			return
		}
		s := slices.Clone(ds)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
		over := 0
		for _, d := range s {
			if d > 2*time.Second {
				over++
			}
		}
		t.Logf("%-46s n=%-3d median %-7v p90 %-7v min %-7v max %-7v over 2s: %d", what, len(s), r(s[len(s)/2]),
			r(s[len(s)*9/10]), r(s[0]), r(s[len(s)-1]), over)
	}
	report("join: `ringctl join` start to return", joinCLI)
	report("join: daemon joining -> member (its log)", joinDaemon)
	report("kill -9 leader -> next say returns", killSay)
	report("kill -9 leader -> survivors agree (polled)", killAgree)
	report("SIGSTOP leader -> next say returns", stopSay)
}
