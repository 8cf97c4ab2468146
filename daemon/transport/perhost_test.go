package transport

import (
	"net"
	"testing"
	"time"

	"github.com/ringchat/ring/protocol"
)

func dialFromIP(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitLimit}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// handshaking reports whether the server answered c's connection with its
// preamble, that is whether it took c into handshake.
func handshaking(t *testing.T, c net.Conn) bool {
	t.Helper()
	buf := make([]byte, protocol.PreambleSize)
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	n, _ := c.Read(buf)
	return n > 0
}

func TestHandshakeLimitPerHost(t *testing.T) {
	srv := startNode(t, 1, "", Options{MaxHandshakes: 8, MaxHandshakesPerHost: 2})
	for range 2 {
		if !handshaking(t, dialFromIP(t, "127.0.0.2", srv.info.Addr)) {
			t.Fatal("a host's first handshakes were refused")
		}
	}
	if handshaking(t, dialFromIP(t, "127.0.0.2", srv.info.Addr)) {
		t.Fatal("a host got a third handshake at once, over its limit of 2")
	}
	if !handshaking(t, dialFromIP(t, "127.0.0.3", srv.info.Addr)) {
		t.Fatal("another host was refused while the first held its slots")
	}
}
