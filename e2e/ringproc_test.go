package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// Helpers for tests that run several ringd processes as one ring. They build
// on proc_test.go (startRingd, writeConfig, ctl).

// ringNode is one ringd of a multi-process test ring.
type ringNode struct {
	*ringd
	name string
	id   string
	addr string // peer address, from `ringctl -o json status` .addr
	// out: killed, stopped or left. The ring is no longer expected to count
	// it; its log is still checked for consistency while its daemon answers.
	out bool
}

// testRing is a ring of real ringd processes on loopback.
type testRing struct {
	t     *testing.T
	nodes []*ringNode
}

// startNode starts a ringd named name in its own temporary directory. With
// no `join` in extra it founds a one-node ring.
func startNode(t *testing.T, name string, extra ...string) *ringNode {
	t.Helper()
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, name, extra...)
	r := startRingd(t, dir, cfg, sock)
	var st chat.Status
	ctlJSON(t, sock, &st, "status")
	if st.ID == "" || st.Addr == "" || strings.HasSuffix(st.Addr, ":0") {
		t.Fatalf("%s: status without id or peer address: %+v", name, st)
	}
	return &ringNode{ringd: r, name: name, id: st.ID, addr: st.Addr}
}

// startRing starts len(via) nodes named n1, n2, ...: n1 founds the ring and
// node i (i > 0) joins through node via[i] with `ringctl join`. Every join
// must return a member status; the ring must then agree on one view.
func startRing(t *testing.T, via []int) *testRing {
	t.Helper()
	r := &testRing{t: t}
	for i := range via {
		n := startNode(t, fmt.Sprintf("n%d", i+1))
		r.nodes = append(r.nodes, n)
		if i == 0 {
			continue
		}
		st, _ := r.join(n, r.nodes[via[i]])
		if st.State != chat.StateMember || st.Members < 2 || st.Leader.ID == "" {
			t.Fatalf("%s joined through %s but reports %+v", n.name, r.nodes[via[i]].name, st)
		}
	}
	r.waitAgreed(20 * time.Second)
	return r
}

// join runs `ringctl join` on n through via's peer address and returns the
// status it printed and how long the command took.
func (r *testRing) join(n, via *ringNode) (chat.Status, time.Duration) {
	r.t.Helper()
	start := time.Now()
	var st chat.Status
	ctlJSON(r.t, n.socket, &st, "join", via.addr)
	return st, time.Since(start)
}

func (r *testRing) alive() []*ringNode {
	var ns []*ringNode
	for _, n := range r.nodes {
		if !n.out {
			ns = append(ns, n)
		}
	}
	return ns
}

func sockets(ns []*ringNode) []string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.socket
	}
	return s
}

func (r *testRing) byID(id string) *ringNode {
	for _, n := range r.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// ctlTry runs ringctl -o json ARGS and decodes its output into v; unlike
// ctlJSON it reports a failure instead of ending the test, for polling.
func ctlTry(t *testing.T, socket string, v any, args ...string) error {
	t.Helper()
	out, errOut, code := ctl(t, socket, append([]string{"-o", "json"}, args...)...)
	if code != 0 {
		return fmt.Errorf("ringctl %s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errOut))
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("ringctl %s: output %q: %v", strings.Join(args, " "), out, err)
	}
	return nil
}

// tailTry reads `ringctl -o json tail ARGS`.
func tailTry(t *testing.T, socket string, args ...string) ([]chat.Message, error) {
	t.Helper()
	out, errOut, code := ctl(t, socket, append([]string{"-o", "json", "tail"}, args...)...)
	if code != 0 {
		return nil, fmt.Errorf("tail on %s: exit %d: %s", socket, code, strings.TrimSpace(errOut))
	}
	var ms []chat.Message
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var m chat.Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("tail on %s: line %q: %v", socket, sc.Text(), err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// eventually polls check every 50 ms until it returns nil, failing the test
// with check's last complaint after within.
func eventually(t *testing.T, within time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %v", within, what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// agreed checks, once, that every live node is a member of one ring: the
// same leader and epoch, the same ordered member list naming exactly the
// live nodes, and next/prev pointers that walk that list as one cycle.
func (r *testRing) agreed() (chat.Status, error) {
	live := r.alive()
	want := make([]string, len(live))
	for i, n := range live {
		want[i] = n.id
	}
	slices.Sort(want)
	var first chat.Status
	var firstMembers []string
	next := map[string]string{}
	prev := map[string]string{}
	for i, n := range live {
		var st chat.Status
		if err := ctlTry(r.t, n.socket, &st, "status"); err != nil {
			return first, fmt.Errorf("%s: %v", n.name, err)
		}
		if st.State != chat.StateMember {
			return first, fmt.Errorf("%s is %s", n.name, st.State)
		}
		var ms []chat.Member
		if err := ctlTry(r.t, n.socket, &ms, "members"); err != nil {
			return first, fmt.Errorf("%s: %v", n.name, err)
		}
		// The directory keeps members that died or left for a while; the
		// ring is the others.
		ms = slices.DeleteFunc(ms, func(m chat.Member) bool {
			return m.State == chat.PresenceDead || m.State == chat.PresenceLeft
		})
		ids := make([]string, len(ms))
		leaders := 0
		for j, m := range ms {
			ids[j] = m.ID
			if m.Role == chat.RoleLeader {
				leaders++
				if m.ID != st.Leader.ID {
					return first, fmt.Errorf("%s: members name %s leader, status names %s", n.name, m.Name, st.Leader.Name)
				}
			}
			if m.State != chat.PresenceAlive {
				return first, fmt.Errorf("%s: member %s is %s", n.name, m.Name, m.State)
			}
			if m.LastSeen.IsZero() {
				return first, fmt.Errorf("%s: member %s was never seen (last_seen is zero)", n.name, m.Name)
			}
		}
		if leaders != 1 {
			return first, fmt.Errorf("%s: %d leaders in members %v", n.name, leaders, ids)
		}
		if st.Members != len(live) {
			return first, fmt.Errorf("%s counts %d members, want %d", n.name, st.Members, len(live))
		}
		sorted := slices.Sorted(slices.Values(ids))
		if !slices.Equal(sorted, want) {
			return first, fmt.Errorf("%s: members %v, want the live nodes %v", n.name, names(r, ids), names(r, want))
		}
		if i == 0 {
			first, firstMembers = st, ids
		} else {
			switch {
			case st.Leader.ID != first.Leader.ID:
				return first, fmt.Errorf("%s follows leader %s, %s follows %s", n.name, st.Leader.Name, live[0].name, first.Leader.Name)
			case st.Epoch != first.Epoch:
				return first, fmt.Errorf("%s is in epoch %d, %s in %d", n.name, st.Epoch, live[0].name, first.Epoch)
			case !slices.Equal(ids, firstMembers):
				return first, fmt.Errorf("%s lists members %v, %s lists %v", n.name, names(r, ids), live[0].name, names(r, firstMembers))
			}
		}
		next[n.id], prev[n.id] = st.Next.ID, st.Prev.ID
	}
	if r.byID(first.Leader.ID) == nil || r.byID(first.Leader.ID).out {
		return first, fmt.Errorf("the agreed leader %s is not a live node", first.Leader.Name)
	}
	// One cycle through every live node.
	at, seen := live[0].id, map[string]bool{}
	for range live {
		if seen[at] {
			return first, fmt.Errorf("next pointers cycle early: %v", next)
		}
		seen[at] = true
		if prev[next[at]] != at {
			return first, fmt.Errorf("next of %s is %s, whose prev is %s", names(r, []string{at}), names(r, []string{next[at]}), names(r, []string{prev[next[at]]}))
		}
		at = next[at]
	}
	if at != live[0].id || len(seen) != len(live) {
		return first, fmt.Errorf("next pointers do not form one cycle of the live nodes: %v", next)
	}
	return first, nil
}

// waitAgreed polls until agreed holds and returns the agreed status.
func (r *testRing) waitAgreed(within time.Duration) chat.Status {
	r.t.Helper()
	var st chat.Status
	eventually(r.t, within, fmt.Sprintf("the %d live nodes to agree on one ring", len(r.alive())), func() error {
		var err error
		st, err = r.agreed()
		return err
	})
	return st
}

func names(r *testRing, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if n := r.byID(id); n != nil {
			out[i] = n.name
		} else {
			out[i] = id
		}
	}
	return out
}

// say runs `ringctl say` on n and returns its receipt.
func (r *testRing) say(n *ringNode, text string) chat.Receipt {
	r.t.Helper()
	var rc chat.Receipt
	ctlJSON(r.t, n.socket, &rc, "say", text)
	if rc.Seq == 0 || !strings.HasPrefix(rc.ID, n.id+"/") {
		r.t.Fatalf("say %q on %s: receipt %+v", text, n.name, rc)
	}
	return rc
}

// sayWithin runs `ringctl say` on n, killing ringctl after timeout. It
// reports whether the say returned a receipt.
func sayWithin(n *ringNode, text string, timeout time.Duration) (chat.Receipt, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringctlBin, "-s", n.socket, "-o", "json", "say", text)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return chat.Receipt{}, fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return chat.Receipt{}, err
	}
	var rc chat.Receipt
	if err := json.Unmarshal(out, &rc); err != nil {
		return rc, fmt.Errorf("say output %q: %v", out, err)
	}
	return rc, nil
}

// kill9 kills n with SIGKILL and marks it out of the ring.
func (r *testRing) kill9(n *ringNode) {
	r.t.Helper()
	n.stop(syscall.SIGKILL, 10*time.Second)
	n.out = true
}

// leader returns the node the ring agrees leads it.
func (r *testRing) leader() *ringNode {
	r.t.Helper()
	st := r.waitAgreed(20 * time.Second)
	return r.byID(st.Leader.ID)
}

// roles returns the leader, the leader's next and a plain member (neither
// the leader nor one of its neighbours) of an agreed ring of 5 or more.
func (r *testRing) roles() (leader, next, plain *ringNode) {
	r.t.Helper()
	leader = r.leader()
	var st chat.Status
	ctlJSON(r.t, leader.socket, &st, "status")
	next, prev := r.byID(st.Next.ID), r.byID(st.Prev.ID)
	for _, n := range r.alive() {
		if n != leader && n != next && n != prev {
			plain = n
			break
		}
	}
	if next == nil || next == leader || plain == nil {
		r.t.Fatalf("no distinct roles in the ring: leader %v next %v plain %v", leader, next, plain)
	}
	return leader, next, plain
}

// logTimes returns the wall-clock times of n's JSON log records whose msg
// is msg and whose attributes include every key=value of attrs.
func logTimes(n *ringNode, msg string, attrs map[string]string) []time.Time {
	var ts []time.Time
	for _, l := range strings.Split(n.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) != nil || rec["msg"] != msg {
			continue
		}
		ok := true
		for k, v := range attrs {
			if fmt.Sprint(rec[k]) != v {
				ok = false
			}
		}
		if !ok {
			continue
		}
		if s, _ := rec["time"].(string); s != "" {
			if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
				ts = append(ts, tm)
			}
		}
	}
	return ts
}
