package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// Hostile peers against a real ringd: the ring is open (no cluster secret),
// so anyone who reaches the peer port can connect. Every case attacks the
// leader of a three-node ring, then checks that it survived: the daemon still
// runs, `ringctl status` answers, the ring still agrees on the same leader
// and epoch (no attack caused an election), chat between the real nodes goes
// on both ways through the leader, and the leader's VmRSS and VmData have grown
// by less than maxRSSGrowth and maxDataGrowth since before the attacks.

const (
	// maxRSSGrowth bounds the leader's resident memory growth over all the
	// attacks: a daemon that buffered what a hostile peer announces or
	// sends, or kept buffers per connection without limit, exceeds it.
	maxRSSGrowth = 64 << 20
	// maxDataGrowth bounds the growth of the leader's VmData (its
	// allocated address space): allocating what a length prefix or a CBOR
	// header announces (4 GiB) shows there even where the pages are never
	// touched and VmRSS stays small.
	maxDataGrowth = 1 << 30
	// refuseWithin is how soon a connection refused for what it sent must
	// be closed: well below the 5 s handshake timeout and the 30 s idle
	// timeout, so a daemon that merely timed the connection out fails.
	refuseWithin = 3 * time.Second
	// ringdHandshakeTimeout is ringd's (daemon/transport Options).
	ringdHandshakeTimeout = 5 * time.Second
	// ringdMaxHandshakes is how many inbound connections ringd lets
	// handshake at once (daemon/transport Options).
	ringdMaxHandshakes = 64
	// Source addresses of the hostile connections, so that the daemon's
	// log records about them (attribute remote) are told apart.
	hostileIP   = "127.0.0.2"
	floodIP     = "127.0.0.3"
	slowlorisIP = "127.0.0.4"
)

// hostileRing is the ring under attack.
type hostileRing struct {
	r       *testRing
	target  *ringNode   // the leader, which every case attacks
	others  []*ringNode // the two other members
	before  chat.Status // the agreed status before any attack
	rssBase int64       // the target's VmRSS before any attack
	vmBase  int64       // and its VmData
	chats   int
}

func TestHostilePeers(t *testing.T) {
	h := newHostileRing(t)
	t.Logf("attacking %s (leader, %s)", h.target.name, h.target.addr)

	t.Run("garbage", h.garbage)
	t.Run("frame length", h.frameLength)
	t.Run("undecodable frame", h.undecodable)
	t.Run("slowloris", h.slowloris)
	t.Run("flood", h.flood)
}

// newHostileRing starts a three-node ring and takes the baseline: the
// agreed status, and the leader's VmRSS once the checks' paths are warm.
func newHostileRing(t *testing.T) *hostileRing {
	t.Helper()
	r := startRing(t, []int{0, 0, 0})
	h := &hostileRing{r: r}
	h.before = r.waitAgreed(20 * time.Second)
	h.target = r.byID(h.before.Leader.ID)
	for _, n := range r.nodes {
		if n != h.target {
			h.others = append(h.others, n)
		}
	}
	h.check(t, "start")
	var err error
	pid := h.target.cmd.Process.Pid
	if h.rssBase, err = vmStat(pid, "VmRSS"); err != nil {
		t.Fatal(err)
	}
	if h.vmBase, err = vmStat(pid, "VmData"); err != nil {
		t.Fatal(err)
	}
	return h
}

// check fails t unless the ring survived what: see the top of the file.
func (h *hostileRing) check(t *testing.T, what string) {
	t.Helper()
	select {
	case <-h.target.exited:
		t.Fatalf("ringd %s exited with %d after %s", h.target.name, h.target.code, what)
	default:
	}
	r := &testRing{t: t, nodes: h.r.nodes} // polls fail this (sub)test, not the parent
	var st chat.Status
	if err := ctlTry(t, h.target.socket, &st, "status"); err != nil {
		t.Fatalf("after %s: %v", what, err)
	}
	eventually(t, 10*time.Second, "the ring to agree after "+what, func() error {
		st, err := r.agreed()
		if err != nil {
			return err
		}
		if st.Leader.ID != h.before.Leader.ID || st.Epoch != h.before.Epoch {
			t.Fatalf("after %s the ring follows %s in epoch %d, before it followed %s in epoch %d",
				what, st.Leader.Name, st.Epoch, h.before.Leader.Name, h.before.Epoch)
		}
		return nil
	})
	h.chats++
	text := fmt.Sprintf("after %s, %s speaks (%d)", what, h.others[0].name, h.chats)
	r.say(h.others[0], text)
	h.waitSeen(t, text, h.others[1], h.target)
	text = fmt.Sprintf("after %s, %s speaks (%d)", what, h.target.name, h.chats)
	r.say(h.target, text)
	h.waitSeen(t, text, h.others...)

	if h.rssBase == 0 { // the baseline is being taken
		return
	}
	pid := h.target.cmd.Process.Pid
	rss, err := vmStat(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	data, err := vmStat(pid, "VmData")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after %s: %s VmRSS %d MiB, VmData %d MiB (before the attacks %d MiB, %d MiB)",
		what, h.target.name, rss>>20, data>>20, h.rssBase>>20, h.vmBase>>20)
	if rss-h.rssBase >= maxRSSGrowth {
		t.Errorf("after %s %s's VmRSS grew from %d MiB to %d MiB, more than the %d MiB allowed",
			what, h.target.name, h.rssBase>>20, rss>>20, maxRSSGrowth>>20)
	}
	if data-h.vmBase >= maxDataGrowth {
		t.Errorf("after %s %s's VmData grew from %d MiB to %d MiB, more than the %d MiB allowed",
			what, h.target.name, h.vmBase>>20, data>>20, maxDataGrowth>>20)
	}
}

// waitSeen polls until every node in ns shows text in its tail.
func (h *hostileRing) waitSeen(t *testing.T, text string, ns ...*ringNode) {
	t.Helper()
	for _, n := range ns {
		eventually(t, 10*time.Second, fmt.Sprintf("%s to show %q", n.name, text), func() error {
			ms, err := tailTry(t, n.socket, "-n", "10")
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Text == text {
					return nil
				}
			}
			return fmt.Errorf("not among its last %d messages", len(ms))
		})
	}
}

// refused sends payload on a new connection from hostileIP and checks that
// the daemon closes it within refuseWithin, sending nothing but its own
// preamble, and logs msg about it with an error that contains errHas.
func (h *hostileRing) refused(t *testing.T, payload []byte, msg, errHas string) {
	t.Helper()
	c, err := dialFrom(hostileIP, h.target.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	remote := c.LocalAddr().String()
	if _, err := c.Write(payload); err != nil {
		t.Fatalf("write %d bytes: %v", len(payload), err)
	}
	res := awaitClosed(c, refuseWithin)
	if !res.closed {
		t.Errorf("the daemon did not close the connection within %v: %v", refuseWithin, res)
	}
	if res.read > protocol.PreambleSize {
		t.Errorf("the daemon sent %d bytes, more than its preamble", res.read)
	}
	rec := waitLogged(t, h.target, 5*time.Second, msg, remote)
	if !strings.Contains(rec.str("err"), errHas) {
		t.Errorf("log record %v: err does not mention %q", rec, errHas)
	}
	if rec.str("level") == "" {
		t.Errorf("log record %v has no level", rec)
	}
}

// garbage: bytes that are no ring preamble, before any handshake.
func (h *hostileRing) garbage(t *testing.T) {
	rnd := make([]byte, 4096)
	rng := rand.New(rand.NewChaCha8([32]byte{'r', 'i', 'n', 'g'}))
	for i := range rnd {
		rnd[i] = byte(rng.Uint32())
	}
	rnd[0] = 0xfe // not 'R'
	cases := []struct {
		name    string
		payload []byte
		errHas  string
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: ring\r\n\r\n"), "not a ring peer"},
		{"tls client hello", append([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}, make([]byte, 32)...), "not a ring peer"},
		{"random 4 KiB", rnd, "not a ring peer"},
		{"ring with version 0", []byte("RING\x00\x00\x00\x00"), "protocol version 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.refused(t, c.payload, "inbound peer refused", c.errHas)
		})
	}
	h.check(t, "garbage")
}

// frameLength: a valid preamble, then a frame length the daemon must
// refuse before reading (let alone allocating) the payload.
func (h *hostileRing) frameLength(t *testing.T) {
	cases := []struct {
		name   string
		length uint32
		errHas string
	}{
		{"4 GiB", 0xFFFFFFFF, "frame of 4294967295 bytes exceeds"},
		{"one byte over the default limit", protocol.DefaultMaxFrameSize + 1, fmt.Sprintf("frame of %d bytes exceeds", protocol.DefaultMaxFrameSize+1)},
		{"zero", 0, "empty frame"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			payload := append(preamble(), lengthPrefix(c.length)...)
			payload = append(payload, bytes.Repeat([]byte{0xa5}, 512)...) // the start of the "payload"
			h.refused(t, payload, "inbound frame refused, closing connection", c.errHas)
		})
	}
	h.check(t, "hostile frame lengths")
}

// undecodable: a valid preamble, then one frame of a sane length whose
// payload is no valid message.
func (h *hostileRing) undecodable(t *testing.T) {
	mustCBOR := func(v any) []byte {
		b, err := cbor.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	envelope := func(typ protocol.MsgType, from string, body []byte) []byte {
		return mustCBOR(protocol.Envelope{Type: typ, Lamport: 1, From: from, Body: body})
	}
	rng := rand.New(rand.NewChaCha8([32]byte{'f', 'r', 'a', 'm', 'e'}))
	rnd := make([]byte, 256)
	for i := range rnd {
		rnd[i] = byte(rng.Uint32())
	}
	rnd[0] = 0xff // a CBOR "break" out of place: never a valid item
	cases := []struct {
		name    string
		payload []byte
		errHas  string
	}{
		{"random bytes", rnd, "malformed"},
		{"cbor text, not an envelope", mustCBOR("hello ring"), "malformed"},
		{"unknown message type", envelope(999, "0123456789abcdef", mustCBOR(1)), "unknown message type 999"},
		{"submit whose body is a string", envelope(protocol.TypeSubmit, "0123456789abcdef", mustCBOR("not a submit")), "malformed"},
		{"submit of an invalid entry", envelope(protocol.TypeSubmit, "0123456789abcdef",
			mustCBOR(protocol.Submit{Entry: protocol.Entry{OriginID: "0123456789abcdef", Kind: "bogus", Text: "x"}})), "unknown entry kind"},
		{"no sender id", envelope(protocol.TypeHeartbeat, "", mustCBOR(protocol.Heartbeat{})), "sender id is empty"},
		{"nested 10000 deep", append(bytes.Repeat([]byte{0x81}, 10000), 0x00), "malformed"},
		// Items announcing far more than the frame holds: nothing of
		// that size may be allocated.
		{"array of 2^64-1 elements", append([]byte{0x9b}, bytes.Repeat([]byte{0xff}, 8)...), "malformed"},
		{"map of 2^64-1 pairs", append([]byte{0xbb}, bytes.Repeat([]byte{0xff}, 8)...), "malformed"},
		{"byte string of 4 GiB", []byte{0x5a, 0xff, 0xff, 0xff, 0xff, 0x00}, "malformed"},
		{"envelope whose body claims 4 GiB", rawEnvelope(protocol.TypeHeartbeat, "0123456789abcdef", []byte{0x5a, 0xff, 0xff, 0xff, 0xff, 0x00}), "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			frame := append(preamble(), lengthPrefix(uint32(len(c.payload)))...)
			frame = append(frame, c.payload...)
			h.refused(t, frame, "inbound message undecodable, closing connection", c.errHas)
		})
	}
	h.check(t, "undecodable frames")
}

// rawEnvelope encodes an Envelope {1: typ, 3: from, 5: body} by hand, so
// that body may be anything, even CBOR that is not well-formed.
func rawEnvelope(typ protocol.MsgType, from string, body []byte) []byte {
	if typ > 23 || len(from) > 23 {
		panic("rawEnvelope: type and sender id must fit in one CBOR header byte")
	}
	b := []byte{0xa3, 0x01, byte(typ), 0x03, 0x60 | byte(len(from))}
	b = append(b, from...)
	b = append(b, 0x05)
	return append(b, body...)
}

// slowloris: the preamble, one byte a second. The daemon must close the
// connection at its handshake timeout, before the eighth byte comes.
func (h *hostileRing) slowloris(t *testing.T) {
	c, err := dialFrom(slowlorisIP, h.target.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	remote := c.LocalAddr().String()
	start := time.Now()
	closed := make(chan closeResult, 1)
	go func() { closed <- awaitClosed(c, 3*ringdHandshakeTimeout) }()

	pre, sent := preamble(), 0
	var res closeResult
	var done bool
trickle:
	for sent < len(pre) {
		if _, err := c.Write(pre[sent : sent+1]); err != nil {
			break // the daemon is gone from the other end
		}
		sent++
		select {
		case res = <-closed:
			done = true
			break trickle
		case <-time.After(time.Second):
		}
	}
	if !done {
		res = <-closed
	}
	took := time.Since(start)
	t.Logf("sent %d of %d preamble bytes, one a second; %v", sent, len(pre), res)
	if !res.closed {
		t.Fatalf("the daemon did not close the trickling connection: %v", res)
	}
	if sent == len(pre) && took > time.Duration(len(pre)-1)*time.Second {
		t.Errorf("the daemon waited for the whole trickled preamble (%v) instead of timing the handshake out at %v", took, ringdHandshakeTimeout)
	}
	rec := waitLogged(t, h.target, 5*time.Second, "inbound peer refused", remote)
	if !strings.Contains(rec.str("err"), "timeout") {
		t.Errorf("log record %v: err does not say the handshake timed out", rec)
	}
	h.check(t, "slowloris")
}

// flood: floodConns connections at once, none of which says anything. At
// most ringdMaxHandshakes may be in handshake (they get the daemon's preamble
// and are closed at the handshake timeout); the daemon must close the
// others at once and log each. While the flood holds every handshake
// slot the ring must go on; afterwards a new peer must be able to
// handshake again (the slots came back).
func (h *hostileRing) flood(t *testing.T) {
	const floodConns = 400
	conns := make([]net.Conn, 0, floodConns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var dialErrs []error
	for range 8 {
		wg.Go(func() {
			for range floodConns / 8 {
				c, err := dialFrom(floodIP, h.target.addr)
				mu.Lock()
				if err != nil {
					dialErrs = append(dialErrs, err)
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(dialErrs) > 0 {
		t.Fatalf("%d of %d flood connections failed to connect, the first: %v", len(dialErrs), floodConns, dialErrs[0])
	}
	floodStart := time.Now()
	results := make([]closeResult, len(conns))
	for i, c := range conns {
		wg.Go(func() { results[i] = awaitClosed(c, ringdHandshakeTimeout+refuseWithin+5*time.Second) })
	}

	// While the flood holds the handshake slots (for ringdHandshakeTimeout).
	h.check(t, "the flood began")
	t.Logf("the checks during the flood took %v (the flood holds the handshake slots for %v)", time.Since(floodStart).Round(time.Millisecond), ringdHandshakeTimeout)
	wg.Wait()

	var held, refused, open []string
	for i, res := range results {
		remote := conns[i].LocalAddr().String()
		switch {
		case !res.closed:
			open = append(open, fmt.Sprintf("%s: %v", remote, res))
		case res.read == protocol.PreambleSize:
			held = append(held, remote)
		case res.read == 0:
			refused = append(refused, remote)
		default:
			t.Errorf("flood connection %s: the daemon sent %d bytes", remote, res.read)
		}
	}
	t.Logf("flood of %d: %d handshaking until the timeout, %d refused at once, %d left open", len(conns), len(held), len(refused), len(open))
	if len(open) > 0 {
		t.Errorf("the daemon left %d flood connections open: %v", len(open), open[:min(len(open), 5)])
	}
	if len(held) > ringdMaxHandshakes {
		t.Errorf("%d flood connections were in handshake at once, the limit is %d", len(held), ringdMaxHandshakes)
	}
	if len(held) == 0 || len(refused) < len(conns)-ringdMaxHandshakes {
		t.Errorf("%d flood connections handshaking and %d refused: want 1..%d and the rest", len(held), len(refused), ringdMaxHandshakes)
	}

	// Logged: every refusal, and every handshake that timed out.
	isAny := func(remotes []string) func(logRecord) bool {
		set := map[string]bool{}
		for _, r := range remotes {
			set[r] = true
		}
		return func(r logRecord) bool { return set[r.str("remote")] }
	}
	waitFor(t, 5*time.Second, "the daemon to log every flood connection", func() bool {
		overAll := logRecords(h.target, "too many inbound handshakes, refusing connection", isAny(refused))
		overHost := logRecords(h.target, "too many inbound handshakes from one address, refusing connection", isAny(refused))
		return len(overAll)+len(overHost) == len(refused) &&
			len(logRecords(h.target, "inbound peer refused", isAny(held))) == len(held)
	})

	// The slots came back: a peer handshakes again.
	eventually(t, 10*time.Second, "a new connection to handshake after the flood", func() error {
		c, err := net.DialTimeout("tcp", h.target.addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = protocol.Handshake(c)
		return err
	})
	h.check(t, "the flood")
}

// TestHostileStalledFrames: after a valid handshake, stalledConns
// connections each announce a frame of the largest size the daemon accepts
// and send all of it but the last byte. Each is a legal frame in progress,
// yet together they ask for far more memory than any bound: the daemon must
// keep its resident memory within maxRSSGrowth (by limiting the connections
// it serves, or the bytes it buffers for frames in progress), and its ring
// must go on.
func TestHostileStalledFrames(t *testing.T) {
	const stalledConns = 128
	h := newHostileRing(t)

	almost := append(preamble(), lengthPrefix(protocol.DefaultMaxFrameSize)...)
	almost = append(almost, bytes.Repeat([]byte{0x5a}, protocol.DefaultMaxFrameSize-1)...)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	accepted := 0
	for range stalledConns {
		c, err := dialFrom(hostileIP, h.target.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(almost); err == nil {
			accepted++ // in the daemon's socket buffer or its own, at least
		}
	}
	t.Logf("%d of %d connections took a frame of %d bytes less one", accepted, stalledConns, protocol.DefaultMaxFrameSize)
	// Measure once the daemon has read what it is going to: when its
	// receive queues of these connections are empty, or (a daemon that
	// holds back reading them) after 10 s.
	var queued int64
	var sockets int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if queued, sockets, err = recvQueued(h.target.addr, hostileIP); err != nil {
			t.Fatal(err)
		}
		if queued == 0 {
			break
		}
	}
	t.Logf("%d bytes not read by the daemon on its %d sockets of these connections", queued, sockets)
	if sockets == 0 {
		t.Errorf("none of the %d connections is in /proc/net/tcp", len(conns))
	}
	h.check(t, fmt.Sprintf("%d stalled frames", stalledConns))
}
