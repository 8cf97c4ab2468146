package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// TestRingChaos (SPEC §6 "Restart", §7): three members stream numbered lines
// with `ringctl say -` while the leader is killed with SIGKILL, once per kill
// point below. After each round every stream must have ended with every line
// acknowledged (receipts in input order), every survivor must hold the same
// log with every acknowledged message exactly once and each stream's lines
// in order and exactly once; then each killed node is started again on its
// own config file and data dir — a new process that is never told to join —
// and must rejoin the ring by itself, with the history it had before the
// kill, and converge to the same log as everyone else.
//
// The invariants are those of invariants_test.go (checkSafety, checkLogs,
// waitConsistent), read from every node's `ringctl -o json tail`.

const (
	chaosLines    = 30                    // lines per stream
	chaosEvery    = 15 * time.Millisecond // between two lines of a stream
	chaosSenders  = 3                     // streams per round
	rejoinWithin  = 10 * time.Second      // a restarted node is a member again
	chaosStreamTO = 20 * time.Second      // a whole `say -` stream, kill included
)

// chaosPoint is when, in a round, the leader is killed.
type chaosPoint struct {
	name string
	// acks is how many receipts (of chaosSenders*chaosLines) the streams
	// must have returned before the kill; 0 kills once every stream has
	// written its first line.
	acks int
	// overlap: the previous round's victim is restarted right before this
	// round and the round starts without waiting for it to rejoin, so the
	// leader dies while that node is rejoining and catching up.
	overlap bool
	// twice: once a survivor names the new leader, kill that one too.
	twice bool
}

func chaosPoints() []chaosPoint {
	total := chaosSenders * chaosLines
	return []chaosPoint{
		{name: "before any line is acknowledged", acks: 0},
		{name: "right after the first acknowledgement", acks: 1},
		{name: "after a quarter of the lines", acks: total / 4},
		{name: "after three quarters of the lines", acks: total * 3 / 4},
		{name: "while the node killed last round, just restarted, rejoins and catches up", acks: 3, overlap: true},
		{name: "after a third of the lines, then the new leader as soon as it is elected", acks: total / 3, twice: true},
	}
}

func TestRingChaos(t *testing.T) {
	start := time.Now()
	r := startRing(t, fiveVia)
	var acked []chat.Receipt
	for _, n := range r.nodes {
		acked = append(acked, r.say(n, "hello from "+n.name))
	}
	agreedLog := waitConsistent(t, consistWithin, sockets(r.nodes), acked)
	t.Logf("five-node ring formed and agreed on %d messages in %v", len(acked), time.Since(start).Round(time.Millisecond))

	points := chaosPoints()
	var pending []*ringNode // restarted, not yet seen back in the ring
	for i, kp := range points {
		round := i + 1
		roundStart := time.Now()
		baseline := lastSeq(agreedLog) // every live node holds 1..baseline

		// The leader and the senders: members that are neither the leader
		// nor still rejoining.
		st := currentLeader(t, r, pending)
		leader := r.byID(st.Leader.ID)
		var candidates []*ringNode
		for _, n := range r.alive() {
			if n != leader && !slices.Contains(pending, n) {
				candidates = append(candidates, n)
			}
		}
		if len(candidates) < chaosSenders {
			t.Fatalf("round %d: only %d members besides the leader %s", round, len(candidates), leader.name)
		}
		var senders []*ringNode
		for j := range chaosSenders {
			senders = append(senders, candidates[(i+j)%len(candidates)])
		}

		c := runChaosRound(t, r, round, kp, leader, senders)
		acked = append(acked, c.acked...)

		// The survivors (and any node restarted before this round) form
		// one ring again, with one log holding every acknowledged line.
		awaitRejoin(t, r, pending)
		agreed := r.waitAgreed(agreeWithin)
		agreedAfter := time.Since(c.killed)
		for _, v := range c.victims {
			if agreed.Leader.ID == v.id {
				t.Fatalf("round %d: the killed node %s is still the agreed leader: %+v", round, v.name, agreed)
			}
		}
		agreedLog = waitConsistent(t, consistWithin, sockets(r.alive()), acked)
		c.checkLines(t, agreedLog)
		for _, n := range pending {
			checkFromSeqOne(t, n, agreedLog)
		}
		pending = nil
		t.Logf("round %d (%s): killed %s at %d acks (epoch %d); first ack sequenced by a new leader %s after the kill, survivors agreed on %s (epoch %d) %v after it; %d lines acknowledged",
			round, kp.name, victimNames(c.victims), c.acksAtKill, st.Epoch, c.failover(agreedLog, st.Epoch),
			r.byID(agreed.Leader.ID).name, agreed.Epoch, agreedAfter.Round(time.Millisecond), len(c.acked))

		// Restart the victims on their data dirs; they must rejoin by
		// themselves. Before an overlap round, do not wait for it.
		for _, v := range c.victims {
			restarted := time.Now()
			r.restart(v)
			checkSurvived(t, v, agreedLog, baseline)
			t.Logf("round %d: %s restarted on its data dir in %v, history 1..%d or more intact", round, v.name, time.Since(restarted).Round(time.Millisecond), baseline)
		}
		pending = c.victims
		if i+1 < len(points) && points[i+1].overlap {
			t.Logf("round %d took %v; next round starts while %s rejoins", round, time.Since(roundStart).Round(time.Millisecond), victimNames(pending))
			continue
		}
		rejoined := time.Now()
		awaitRejoin(t, r, pending)
		r.waitAgreed(agreeWithin)
		agreedLog = waitConsistent(t, consistWithin, sockets(r.nodes), acked)
		for _, n := range pending {
			checkFromSeqOne(t, n, agreedLog)
		}
		t.Logf("round %d: %s rejoined and converged %v after the restart; the round took %v",
			round, victimNames(pending), time.Since(rejoined).Round(time.Millisecond), time.Since(roundStart).Round(time.Millisecond))
		pending = nil
	}

	// Every node chats once more; all five hold one chat from seq 1.
	acked = sayEverywhere(r, acked, "after the chaos")
	logs := checkInvariants(t, sockets(r.nodes), acked)
	if l := logs[0]; l.first() != 1 || len(l.msgs) >= tailWindow {
		t.Fatalf("the final log holds seqs %d..%d: the checker's window (%d) must see all of it", l.first(), l.last(), tailWindow)
	}
	t.Logf("%d rounds, %d acknowledged messages, %d in the log, in %v", len(points), len(acked), len(logs[0].msgs), time.Since(start).Round(time.Millisecond))
}

// chaosRound is what one round's streams and kills produced.
type chaosRound struct {
	round      int
	streams    []*chaosStream
	victims    []*ringNode
	killed     time.Time // the first kill
	acksAtKill int
	acked      []chat.Receipt
}

// chaosStream is one `ringctl say -` of a round.
type chaosStream struct {
	n      *ringNode
	prefix string // each line is "<prefix> <i>", i from 1
	acks   []timedReceipt
	err    error
	// mayFail: the stream's own daemon was killed, so it cannot finish;
	// what it had acknowledged must still be kept.
	mayFail bool
}

// runChaosRound streams from senders, kills the leader at kp (and, for a
// double kill, the next leader too) and waits for every stream to end.
func runChaosRound(t *testing.T, r *testRing, round int, kp chaosPoint, leader *ringNode, senders []*ringNode) *chaosRound {
	t.Helper()
	c := &chaosRound{round: round}
	started := make(chan struct{}, len(senders))
	progress := make(chan struct{}, len(senders)*chaosLines)
	done := make(chan *chaosStream, len(senders))
	for _, n := range senders {
		s := &chaosStream{n: n, prefix: fmt.Sprintf("%s r%d line", n.name, round)}
		c.streams = append(c.streams, s)
		go func() {
			s.acks, s.err = sayLines(n, s.prefix, chaosLines, chaosEvery, chaosStreamTO, started, progress)
			done <- s
		}()
	}
	deadline := time.After(chaosStreamTO)
	var finished []*chaosStream
	wait := func(ch <-chan struct{}, what string) {
		for {
			select {
			case <-ch:
				return
			case s := <-done:
				if s.err != nil {
					t.Fatalf("round %d: say - on %s ended before the kill, %d lines acknowledged: %v", round, s.n.name, len(s.acks), s.err)
				}
				finished = append(finished, s)
			case <-deadline:
				t.Fatalf("round %d: timed out waiting for %s", round, what)
			}
		}
	}
	for range senders {
		wait(started, "the streams to start")
	}
	for range kp.acks {
		wait(progress, fmt.Sprintf("%d acknowledgements before the kill", kp.acks))
	}
	c.acksAtKill = kp.acks + len(progress)
	c.killed = time.Now()
	r.kill9(leader)
	c.victims = append(c.victims, leader)

	if kp.twice {
		next := awaitNewLeader(t, r, leader, senders)
		r.kill9(next)
		c.victims = append(c.victims, next)
		for _, s := range c.streams {
			if s.n == next {
				s.mayFail = true
			}
		}
		t.Logf("round %d: the new leader %s was named %v after the first kill; killed it too", round, next.name, time.Since(c.killed).Round(time.Millisecond))
	}

	for len(finished) < len(senders) {
		select {
		case s := <-done:
			finished = append(finished, s)
		case <-deadline:
			t.Fatalf("round %d: the streams did not end within %v", round, chaosStreamTO)
		}
	}
	for _, s := range c.streams {
		if s.mayFail {
			t.Logf("round %d: say - on %s, whose daemon was killed, acknowledged %d of %d lines (%v)", round, s.n.name, len(s.acks), chaosLines, s.err)
		}
		if s.err != nil && !s.mayFail {
			t.Fatalf("round %d: say - on %s: %v (after %d acknowledged lines)", round, s.n.name, s.err, len(s.acks))
		}
		if !s.mayFail && len(s.acks) != chaosLines {
			t.Fatalf("round %d: say - on %s acknowledged %d of %d lines", round, s.n.name, len(s.acks), chaosLines)
		}
		for j, a := range s.acks {
			if a.Seq == 0 || !strings.HasPrefix(a.ID, s.n.id+"/") {
				t.Fatalf("round %d: say - on %s: receipt %d is %+v", round, s.n.name, j+1, a.Receipt)
			}
			if j > 0 && a.Seq <= s.acks[j-1].Seq {
				t.Fatalf("round %d: say - on %s: receipt %d (seq %d) after seq %d", round, s.n.name, j+1, a.Seq, s.acks[j-1].Seq)
			}
			c.acked = append(c.acked, a.Receipt)
		}
	}
	return c
}

// awaitNewLeader polls a survivor (one that does not stream, if there is
// one) until it is a member following a leader other than dead.
func awaitNewLeader(t *testing.T, r *testRing, dead *ringNode, senders []*ringNode) *ringNode {
	t.Helper()
	live := r.alive()
	watch := live[0]
	for _, n := range live {
		if !slices.Contains(senders, n) {
			watch = n
			break
		}
	}
	deadline := time.Now().Add(agreeWithin)
	for {
		var st chat.Status
		err := ctlTry(t, watch.socket, &st, "status")
		if err == nil && st.State == chat.StateMember && st.Leader.ID != "" && st.Leader.ID != dead.id {
			if n := r.byID(st.Leader.ID); n != nil && !n.out {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s named no new leader within %v after %s was killed: %+v %v", watch.name, agreeWithin, dead.name, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkLines checks each stream's lines in the agreed log: its own origin,
// in input order, each exactly once, none missing — all of them for a stream
// that finished, at least every acknowledged one for one whose daemon died.
func (c *chaosRound) checkLines(t *testing.T, log []chat.Message) {
	t.Helper()
	for _, s := range c.streams {
		next := 1
		for _, m := range log {
			if m.Kind != chat.KindChat || !strings.HasPrefix(m.Text, s.prefix+" ") {
				continue
			}
			if m.Text != fmt.Sprintf("%s %d", s.prefix, next) || !strings.HasPrefix(m.ID, s.n.id+"/") {
				t.Fatalf("round %d: %s's line %d is %s %q (seq %d)\n%s", c.round, s.n.name, next, m.ID, m.Text, m.Seq, dumpLogs([]nodeLog{{"agreed", log}}))
			}
			next++
		}
		got := next - 1
		if (!s.mayFail && got != chaosLines) || got < len(s.acks) || got > chaosLines {
			t.Fatalf("round %d: %s's stream has %d lines in the log (%d acknowledged of %d)", c.round, s.n.name, got, len(s.acks), chaosLines)
		}
	}
}

// failover is the time from the kill to the first receipt, read by the
// test, of a line that a leader of a later epoch than before sequenced.
func (c *chaosRound) failover(log []chat.Message, before uint64) string {
	epoch := map[uint64]uint64{}
	for _, m := range log {
		epoch[m.Seq] = m.Epoch
	}
	var first time.Time
	for _, s := range c.streams {
		for _, a := range s.acks {
			if epoch[a.Seq] > before && (first.IsZero() || a.at.Before(first)) {
				first = a.at
			}
		}
	}
	if first.IsZero() {
		return "(none: every line was sequenced before the kill)"
	}
	return first.Sub(c.killed).Round(time.Millisecond).String()
}

// currentLeader returns the status of a member that is not rejoining: the
// whole ring agreed on it, or, while nodes in pending rejoin, the status of
// one of the others.
func currentLeader(t *testing.T, r *testRing, pending []*ringNode) chat.Status {
	t.Helper()
	if len(pending) == 0 {
		return r.waitAgreed(agreeWithin)
	}
	var st chat.Status
	for _, n := range r.alive() {
		if slices.Contains(pending, n) {
			continue
		}
		eventually(t, agreeWithin, n.name+" to follow a live leader", func() error {
			if err := ctlTry(t, n.socket, &st, "status"); err != nil {
				return err
			}
			if l := r.byID(st.Leader.ID); st.State != chat.StateMember || l == nil || l.out || slices.Contains(pending, l) {
				return fmt.Errorf("%s is %s and follows %q", n.name, st.State, st.Leader.Name)
			}
			return nil
		})
		break
	}
	return st
}

// restart starts n, killed before, again: a new ringd process on the same
// config file and data dir, never told to join. Its id must not change.
func (r *testRing) restart(n *ringNode) {
	r.t.Helper()
	if !n.out {
		r.t.Fatalf("restart of %s, which is not out of the ring", n.name)
	}
	select {
	case <-n.exited:
	default:
		r.t.Fatalf("restart of %s, whose process still runs", n.name)
	}
	rd := startRingd(r.t, n.dir, n.config, n.socket)
	var st chat.Status
	ctlJSON(r.t, n.socket, &st, "status")
	if st.ID != n.id {
		r.t.Fatalf("%s restarted on its data dir with id %s, was %s", n.name, st.ID, n.id)
	}
	n.ringd, n.addr, n.out = rd, st.Addr, false
}

// checkSurvived checks, right after a restart, that n still holds its
// history: seq 1 onwards, at least up to baseline (which every member held
// before the round), and the same messages as the agreed log there.
func checkSurvived(t *testing.T, n *ringNode, agreed []chat.Message, baseline uint64) {
	t.Helper()
	ms, err := tailTry(t, n.socket, "-n", "100000")
	if err != nil {
		t.Fatal(err)
	}
	if len(agreed) == 0 || agreed[0].Seq != 1 || lastSeq(agreed) < baseline {
		t.Fatalf("the agreed log holds seqs %d..%d, want 1..%d or more", firstSeq(agreed), lastSeq(agreed), baseline)
	}
	if len(ms) == 0 || ms[0].Seq != 1 || lastSeq(ms) < baseline {
		t.Fatalf("%s, restarted on its data dir, holds seqs %d..%d: it had 1..%d or more before it was killed",
			n.name, firstSeq(ms), lastSeq(ms), baseline)
	}
	for i := range baseline {
		if ms[i].Seq != agreed[i].Seq || ms[i].ID != agreed[i].ID {
			t.Fatalf("%s, restarted, has %s at seq %d, the ring has %s at seq %d",
				n.name, ms[i].ID, ms[i].Seq, agreed[i].ID, agreed[i].Seq)
		}
	}
}

// checkFromSeqOne checks that n's whole history (`tail -n 100000`) is the
// agreed log, from seq 1.
func checkFromSeqOne(t *testing.T, n *ringNode, agreed []chat.Message) {
	t.Helper()
	ms, err := tailTry(t, n.socket, "-n", "100000")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Seq != 1 {
		t.Fatalf("%s's history starts at seq %d, want 1", n.name, firstSeq(ms))
	}
	same := func(a, b chat.Message) bool { return a.Seq == b.Seq && a.ID == b.ID }
	if !slices.EqualFunc(ms, agreed, same) {
		t.Fatalf("%s's whole history (seqs %d..%d) is not the agreed log (seqs %d..%d)",
			n.name, firstSeq(ms), lastSeq(ms), firstSeq(agreed), lastSeq(agreed))
	}
}

// awaitRejoin polls each restarted node until it is a member of the ring
// of all live nodes — not of a ring of its own.
func awaitRejoin(t *testing.T, r *testRing, ns []*ringNode) {
	t.Helper()
	for _, n := range ns {
		eventually(t, rejoinWithin, n.name+", restarted on its data dir, to rejoin the ring by itself", func() error {
			var st chat.Status
			if err := ctlTry(t, n.socket, &st, "status"); err != nil {
				return err
			}
			if st.State != chat.StateMember || st.Members != len(r.alive()) {
				return fmt.Errorf("%s is %s in a ring of %d members led by %s (epoch %d), want a member of the ring of %d",
					n.name, st.State, st.Members, leaderName(r, st.Leader.ID, n), st.Epoch, len(r.alive()))
			}
			return nil
		})
	}
}

func leaderName(r *testRing, id string, self *ringNode) string {
	switch n := r.byID(id); {
	case id == "":
		return "nobody"
	case n == self:
		return n.name + " itself"
	case n != nil:
		return n.name
	}
	return id
}

func victimNames(ns []*ringNode) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.name
	}
	return strings.Join(s, " and ")
}

func firstSeq(ms []chat.Message) uint64 {
	if len(ms) == 0 {
		return 0
	}
	return ms[0].Seq
}

func lastSeq(ms []chat.Message) uint64 {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Seq
}
