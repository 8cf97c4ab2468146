package e2e

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/ringchat/ring/protocol"
)

// Helpers for tests that talk to ringd's peer port directly, as a hostile
// or a hand-written peer would: raw bytes, hand-made frames, and a fake
// node written with the protocol package (hostile_test.go, display_test.go).

// preamble is a valid handshake preamble of this protocol version.
func preamble() []byte {
	b := make([]byte, protocol.PreambleSize)
	copy(b, protocol.Magic)
	binary.BigEndian.PutUint16(b[4:6], protocol.Version)
	return b
}

// lengthPrefix is a frame header announcing n payload bytes.
func lengthPrefix(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// dialFrom connects to addr from the loopback address local (127.x.y.z),
// so that the daemon's log records about the connection, which name its
// remote address, can be told apart from every other connection's.
func dialFrom(local, addr string) (*net.TCPConn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// closeResult is what awaitClosed saw.
type closeResult struct {
	closed bool          // the daemon closed the connection (EOF or reset)
	read   int           // bytes the daemon sent before that
	after  time.Duration // how long awaitClosed waited
	err    error         // the read error that ended the wait
}

func (r closeResult) String() string {
	return fmt.Sprintf("closed=%v after %v, %d bytes read, last error %v", r.closed, r.after.Round(time.Millisecond), r.read, r.err)
}

// awaitClosed reads and discards what the daemon sends until it closes the
// connection, within passes or 1 MiB has come (no close then).
func awaitClosed(c net.Conn, within time.Duration) closeResult {
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(within))
	buf := make([]byte, 4096)
	res := closeResult{}
	for res.read < 1<<20 {
		n, err := c.Read(buf)
		res.read += n
		if err != nil {
			res.err = err
			res.closed = errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
			break
		}
	}
	res.after = time.Since(start)
	return res
}

// logRecord is one JSON log record of a ringd.
type logRecord map[string]any

func (r logRecord) str(key string) string { s, _ := r[key].(string); return s }

// logRecords returns n's JSON log records whose msg is msg and for which
// match (if not nil) holds.
func logRecords(n *ringNode, msg string, match func(logRecord) bool) []logRecord {
	var recs []logRecord
	sc := bufio.NewScanner(strings.NewReader(n.stderr.String()))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), msg) {
			continue
		}
		var rec logRecord
		if json.Unmarshal(line, &rec) != nil || rec.str("msg") != msg {
			continue
		}
		if match == nil || match(rec) {
			recs = append(recs, rec)
		}
	}
	return recs
}

// fromRemote matches log records about the connection from remote.
func fromRemote(remote string) func(logRecord) bool {
	return func(r logRecord) bool { return r.str("remote") == remote }
}

// waitLogged polls n's log until it holds a record msg about the
// connection from remote, and returns the first.
func waitLogged(t *testing.T, n *ringNode, within time.Duration, msg, remote string) logRecord {
	t.Helper()
	var recs []logRecord
	waitFor(t, within, fmt.Sprintf("%s to log %q about %s", n.name, msg, remote), func() bool {
		recs = logRecords(n, msg, fromRemote(remote))
		return len(recs) > 0
	})
	return recs[0]
}

// vmStat returns the field key (VmRSS, VmData, ...) of /proc/PID/status of
// process pid, in bytes.
func vmStat(pid int, key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			f := strings.Fields(v)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("%s line %q", key, l)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// recvQueued sums the receive queues (bytes not yet read by the process)
// of the TCP sockets of the listener at addr whose peer is at ip, from
// /proc/net/tcp, and counts those sockets.
func recvQueued(addr, ip string) (queued int64, sockets int, err error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return 0, 0, err
	}
	peer, err := netip.ParseAddr(ip)
	if err != nil {
		return 0, 0, err
	}
	hexIP := func(a netip.Addr) string { // /proc/net/tcp: in host (little-endian) order
		b := a.As4()
		return fmt.Sprintf("%02X%02X%02X%02X", b[3], b[2], b[1], b[0])
	}
	local := fmt.Sprintf("%s:%04X", hexIP(ap.Addr()), ap.Port())
	remote := hexIP(peer) + ":"
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 5 || f[1] != local || !strings.HasPrefix(f[2], remote) {
			continue
		}
		_, rx, ok := strings.Cut(f[4], ":")
		if !ok {
			return 0, 0, fmt.Errorf("/proc/net/tcp: queues %q", f[4])
		}
		n, err := strconv.ParseInt(rx, 16, 64)
		if err != nil {
			return 0, 0, err
		}
		queued += n
		sockets++
	}
	return queued, sockets, nil
}

// fakeInbound is one message a fakePeer received.
type fakeInbound struct {
	h   protocol.Header
	msg protocol.Message
}

// fakePeer is a ring node written by hand with the protocol package: it
// listens on a loopback port of its own (the ring's nodes dial it to send
// to it), dials the nodes it sends to, and says whatever the test makes it
// say, bypassing every check ringctl, the local API and protocol.Encode make.
type fakePeer struct {
	t    *testing.T
	info protocol.NodeInfo
	ln   net.Listener
	in   chan fakeInbound
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	lamport uint64
	out     map[string]net.Conn // outbound connections by address
	inConns []net.Conn
	stopHB  chan struct{}
}

// newFakePeer starts a fake peer with node id id and display name name; it
// is stopped when the test ends.
func newFakePeer(t *testing.T, id, name string) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePeer{
		t:    t,
		info: protocol.NodeInfo{ID: id, Name: name, Addr: ln.Addr().String()},
		ln:   ln,
		in:   make(chan fakeInbound, 4096),
		done: make(chan struct{}),
		out:  map[string]net.Conn{},
	}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *fakePeer) close() {
	f.stopHeartbeats()
	close(f.done)
	_ = f.ln.Close()
	f.mu.Lock()
	for _, c := range f.out {
		_ = c.Close()
	}
	for _, c := range f.inConns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *fakePeer) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.inConns = append(f.inConns, c)
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(c)
	}
}

// serve reads the messages one ring node sends on the connection it dialled.
func (f *fakePeer) serve(c net.Conn) {
	defer f.wg.Done()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := protocol.Handshake(c); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	fr := protocol.NewFrameReader(c, 0)
	for {
		p, err := fr.ReadFrame()
		if err != nil {
			return
		}
		h, msg, err := protocol.Decode(p)
		if err != nil {
			f.t.Errorf("fake peer: undecodable message from a ring node: %v", err)
			return
		}
		f.mu.Lock()
		f.lamport = max(f.lamport, h.Lamport) + 1
		f.mu.Unlock()
		select {
		case f.in <- fakeInbound{h, msg}:
		case <-f.done:
			return
		}
	}
}

// send sends msg, stamped with epoch, to the node at addr.
func (f *fakePeer) send(addr string, epoch uint64, msg protocol.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.out[addr]
	if c == nil {
		var err error
		if c, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
			return err
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := protocol.Handshake(c); err != nil {
			c.Close()
			return err
		}
		_ = c.SetDeadline(time.Time{})
		f.out[addr] = c
	}
	f.lamport++
	p, err := rawEncode(f.lamport, f.info.ID, epoch, msg)
	if err != nil {
		return err
	}
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := protocol.WriteFrame(c, p, 0); err != nil {
		c.Close()
		delete(f.out, addr)
		return err
	}
	return nil
}

// localAddr is the local address of the fake peer's connection to addr, as
// the daemon at addr names it in its log (attribute remote), or "".
func (f *fakePeer) localAddr(addr string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.out[addr]; c != nil {
		return c.LocalAddr().String()
	}
	return ""
}

// rawEncode is protocol.Encode without its validation, as a hostile peer
// sends: the daemon's own checks are what is under test.
func rawEncode(lamport uint64, from string, epoch uint64, m protocol.Message) ([]byte, error) {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	body, err := em.Marshal(m)
	if err != nil {
		return nil, err
	}
	return em.Marshal(protocol.Envelope{Type: m.Type(), Lamport: lamport, From: from, Epoch: epoch, Body: body})
}

// await returns the first message received from now on for which match
// holds, or fails the test after within.
func (f *fakePeer) await(within time.Duration, what string, match func(fakeInbound) bool) fakeInbound {
	f.t.Helper()
	timeout := time.After(within)
	for {
		select {
		case in := <-f.in:
			if match(in) {
				return in
			}
		case <-timeout:
			f.t.Fatalf("fake peer: no %s within %v", what, within)
		}
	}
}

// received returns the first message for which match holds among those
// received and not yet taken, without waiting.
func (f *fakePeer) received(match func(fakeInbound) bool) (fakeInbound, bool) {
	for range cap(f.in) {
		select {
		case in := <-f.in:
			if match(in) {
				return in, true
			}
		default:
			return fakeInbound{}, false
		}
	}
	return fakeInbound{}, false
}

// heartbeat sends a heartbeat to every other member of view every period,
// as a live member does, until stopHeartbeats.
func (f *fakePeer) heartbeat(view protocol.View, period time.Duration) {
	f.mu.Lock()
	stop := make(chan struct{})
	f.stopHB = stop
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			for _, m := range view.Members {
				if m.ID != f.info.ID {
					_ = f.send(m.Addr, view.Epoch, protocol.Heartbeat{})
				}
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			case <-f.done:
				return
			}
		}
	}()
}

func (f *fakePeer) stopHeartbeats() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopHB != nil {
		close(f.stopHB)
		f.stopHB = nil
	}
}
