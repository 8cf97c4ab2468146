package transport

import (
	"net"
	"sync"
)

// hostCounter counts something per remote IP address, such as handshakes
// in progress.
type hostCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// take counts one more for host unless it already has limit.
func (c *hostCounter) take(host string, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[host] >= limit {
		return false
	}
	c.n[host]++
	return true
}

func (c *hostCounter) give(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[host]--; c.n[host] <= 0 {
		delete(c.n, host)
	}
}

func remoteHost(conn net.Conn) string {
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return conn.RemoteAddr().String()
}
