package e2e

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// The invariant checker of SPEC §7 over real multi-process runs: every
// member's delivered sequence is a prefix of every longer one, nothing is
// delivered twice, and no acknowledged message is lost.
//
// Logs are read with `ringctl -o json tail -n N`, one node after another, so
// they are not one snapshot: a node may be behind another, but never
// different from it. tailWindow is N; the tests say far fewer messages.

const tailWindow = 1000

// nodeLog is one node's delivered messages as tail printed them.
type nodeLog struct {
	socket string
	msgs   []chat.Message
}

func (l nodeLog) first() uint64 {
	if len(l.msgs) == 0 {
		return 0
	}
	return l.msgs[0].Seq
}

func (l nodeLog) last() uint64 {
	if len(l.msgs) == 0 {
		return 0
	}
	return l.msgs[len(l.msgs)-1].Seq
}

// covers says whether the window read from this node holds seq.
func (l nodeLog) covers(seq uint64) bool {
	return len(l.msgs) > 0 && l.first() <= seq && seq <= l.last()
}

// readLogs reads every node's last tailWindow messages.
func readLogs(t *testing.T, socks []string) ([]nodeLog, error) {
	t.Helper()
	logs := make([]nodeLog, len(socks))
	for i, s := range socks {
		ms, err := tailTry(t, s, "-n", strconv.Itoa(tailWindow))
		if err != nil {
			return nil, err
		}
		logs[i] = nodeLog{socket: s, msgs: ms}
	}
	return logs, nil
}

// errViolation marks a broken guarantee, as opposed to a node still
// catching up: waiting cannot cure it.
var errViolation = errors.New("invariant violated")

func violation(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errViolation, fmt.Sprintf(format, args...))
}

// checkSafety checks what must hold at every moment:
//   - each log is in consecutive sequence order: no gap, no repeat;
//   - prefix consistency: a sequence number carries the same message (id,
//     kind, text) on every node that has it;
//   - no message id appears twice, in any log or across sequence numbers;
//   - each origin's messages are in the order it sent them: the counters
//     of its ids ("<origin>/<counter>") increase along the log;
//   - an acknowledged message is, in every log that covers the sequence
//     number of its receipt, exactly there and nowhere else.
func checkSafety(logs []nodeLog, acked []chat.Receipt) error {
	bySeq := map[uint64]chat.Message{}
	bySeqFrom := map[uint64]string{}
	seqOfID := map[string]uint64{}
	for _, l := range logs {
		ids := map[string]uint64{}
		counters := map[string]uint64{}
		for i, m := range l.msgs {
			origin, counter, ok := splitID(m.ID)
			if !ok {
				return violation("%s: seq %d has a malformed id %q", l.socket, m.Seq, m.ID)
			}
			if c, seen := counters[origin]; seen && counter <= c {
				return violation("%s: %s (seq %d) comes after %s/%d: out of its origin's order", l.socket, m.ID, m.Seq, origin, c)
			}
			counters[origin] = counter
			if i > 0 && m.Seq != l.msgs[i-1].Seq+1 {
				return violation("%s: seq %d follows seq %d", l.socket, m.Seq, l.msgs[i-1].Seq)
			}
			if m.ID == "" {
				return violation("%s: seq %d has no id", l.socket, m.Seq)
			}
			if prev, dup := ids[m.ID]; dup {
				return violation("%s: id %s delivered twice, at seq %d and %d", l.socket, m.ID, prev, m.Seq)
			}
			ids[m.ID] = m.Seq
			if o, ok := bySeq[m.Seq]; ok {
				if o.ID != m.ID || o.Kind != m.Kind || o.Text != m.Text {
					return violation("seq %d differs: %s has %s %q, %s has %s %q",
						m.Seq, bySeqFrom[m.Seq], o.ID, o.Text, l.socket, m.ID, m.Text)
				}
			} else {
				bySeq[m.Seq], bySeqFrom[m.Seq] = m, l.socket
			}
			if s, ok := seqOfID[m.ID]; ok && s != m.Seq {
				return violation("id %s is seq %d on one node and seq %d on %s", m.ID, s, m.Seq, l.socket)
			}
			seqOfID[m.ID] = m.Seq
		}
	}
	for _, rc := range acked {
		for _, l := range logs {
			if !l.covers(rc.Seq) {
				continue
			}
			if m := l.msgs[rc.Seq-l.first()]; m.ID != rc.ID {
				return violation("%s: acknowledged %s (seq %d) is not there: seq %d is %s %q", l.socket, rc.ID, rc.Seq, rc.Seq, m.ID, m.Text)
			}
		}
	}
	return nil
}

// splitID splits a message id "<origin node id>/<origin counter>".
func splitID(id string) (origin string, counter uint64, ok bool) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 {
		return "", 0, false
	}
	c, err := strconv.ParseUint(id[i+1:], 10, 64)
	return id[:i], c, err == nil
}

// longest is the log that reaches furthest.
func longest(logs []nodeLog) nodeLog {
	var best nodeLog
	for _, l := range logs {
		if l.last() > best.last() || best.socket == "" {
			best = l
		}
	}
	return best
}

// checkLogs is checkSafety plus: every acknowledged message is in the
// longest log, exactly once. (A message missing from every log is lost.)
func checkLogs(logs []nodeLog, acked []chat.Receipt) error {
	if err := checkSafety(logs, acked); err != nil {
		return err
	}
	l := longest(logs)
	for _, rc := range acked {
		n := 0
		for _, m := range l.msgs {
			if m.ID == rc.ID {
				n++
			}
		}
		if n != 1 || !l.covers(rc.Seq) {
			return fmt.Errorf("acknowledged %s (seq %d) appears %d times in the longest log (%s, seqs %d..%d)",
				rc.ID, rc.Seq, n, l.socket, l.first(), l.last())
		}
	}
	return nil
}

// identical says whether every log holds the same messages.
func identical(logs []nodeLog) error {
	for _, l := range logs[1:] {
		a, b := logs[0], l
		if !slices.EqualFunc(a.msgs, b.msgs, func(x, y chat.Message) bool { return x.Seq == y.Seq && x.ID == y.ID }) {
			return fmt.Errorf("%s has seqs %d..%d, %s has %d..%d", a.socket, a.first(), a.last(), b.socket, b.first(), b.last())
		}
	}
	return nil
}

// checkInvariants reads every node's log once and fails the test if
// checkLogs finds a problem. It returns the logs, in the order of socks.
func checkInvariants(t *testing.T, socks []string, acked []chat.Receipt) []nodeLog {
	t.Helper()
	logs, err := readLogs(t, socks)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkLogs(logs, acked); err != nil {
		t.Fatalf("%v\n%s", err, dumpLogs(logs))
	}
	return logs
}

// waitConsistent polls until every node's log is identical and checkLogs
// holds, failing at once on a violation and after within otherwise. extra
// sockets (nodes that left, say) must stay consistent but may lag behind.
// It returns the agreed log.
func waitConsistent(t *testing.T, within time.Duration, socks []string, acked []chat.Receipt, extra ...string) []chat.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		logs, err := readLogs(t, socks)
		if err == nil {
			var more []nodeLog
			if more, err = readLogs(t, extra); err == nil {
				all := append(slices.Clone(logs), more...)
				if err = checkSafety(all, acked); errors.Is(err, errViolation) {
					t.Fatalf("%v\n%s", err, dumpLogs(all))
				}
				if err == nil {
					if err = identical(logs); err == nil {
						err = checkLogs(all, acked)
					}
				}
				if err == nil {
					return logs[0].msgs
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the logs did not agree within %v: %v\n%s", within, err, dumpLogs(logs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dumpLogs(logs []nodeLog) string {
	var b []byte
	for _, l := range logs {
		b = fmt.Appendf(b, "--- %s (%d messages)\n", l.socket, len(l.msgs))
		for _, m := range l.msgs {
			b = fmt.Appendf(b, "  #%d e%d %s %s %q\n", m.Seq, m.Epoch, m.ID, m.Kind, m.Text)
		}
	}
	return string(b)
}

// TestRingInvariantChecker checks the checker on hand-made logs.
func TestRingInvariantChecker(t *testing.T) {
	msg := func(seq uint64, id, text string) chat.Message {
		return chat.Message{Seq: seq, ID: id, Kind: chat.KindChat, Text: text}
	}
	a := []chat.Message{msg(1, "a/1", "x"), msg(2, "b/1", "y"), msg(3, "a/2", "z")}
	ok := []nodeLog{{"n1", a}, {"n2", a[:2]}, {"n3", a[1:]}}
	acked := []chat.Receipt{{Seq: 2, ID: "b/1"}, {Seq: 3, ID: "a/2"}}
	if err := checkLogs(ok, acked); err != nil {
		t.Fatalf("consistent logs refused: %v", err)
	}
	if err := identical(ok); err == nil {
		t.Fatal("different logs called identical")
	}
	cases := map[string]struct {
		logs     []nodeLog
		acked    []chat.Receipt
		violates bool
	}{
		"fork":          {[]nodeLog{{"n1", a}, {"n2", []chat.Message{a[0], msg(2, "c/1", "w")}}}, nil, true},
		"gap":           {[]nodeLog{{"n1", []chat.Message{a[0], a[2]}}}, nil, true},
		"duplicate id":  {[]nodeLog{{"n1", []chat.Message{a[0], msg(2, "a/1", "x")}}}, nil, true},
		"moved id":      {[]nodeLog{{"n1", a[:2]}, {"n2", []chat.Message{msg(1, "b/1", "y")}}}, nil, true},
		"origin order":  {[]nodeLog{{"n1", []chat.Message{msg(1, "a/2", "x"), msg(2, "a/1", "y")}}}, nil, true},
		"malformed id":  {[]nodeLog{{"n1", []chat.Message{msg(1, "a", "x")}}}, nil, true},
		"acked missing": {[]nodeLog{{"n1", a}}, []chat.Receipt{{Seq: 2, ID: "c/1"}}, true},
		"acked lost":    {[]nodeLog{{"n1", a}}, []chat.Receipt{{Seq: 4, ID: "c/1"}}, false},
	}
	for name, c := range cases {
		err := checkLogs(c.logs, c.acked)
		if err == nil {
			t.Errorf("%s: not detected", name)
		} else if errors.Is(err, errViolation) != c.violates {
			t.Errorf("%s: %v (violation %v, want %v)", name, err, errors.Is(err, errViolation), c.violates)
		}
	}
}
