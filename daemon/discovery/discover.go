package discovery

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/ipv4"
)

// Bounds of Discover.
const (
	DefaultTimeout = time.Second
	MaxTimeout     = time.Minute
	// MaxNodes is how many answering nodes one Discover keeps; it stops
	// listening once it has that many.
	MaxNodes = 256
	// resendAfter is the shortest timeout for which the query is sent a
	// second time, halfway, in case the first was lost.
	resendAfter = 200 * time.Millisecond
)

// Query says where Discover looks and for how long.
type Query struct {
	Group     netip.AddrPort // zero: DefaultGroup
	Interface string         // the one interface to query on; "" for every suitable one
	Timeout   time.Duration  // how long to collect answers; zero: DefaultTimeout
	MaxNodes  int            // stop at this many answering nodes; zero or more than MaxNodes: MaxNodes
	Logger    *slog.Logger   // answers ignored, at debug level; nil: no logs
}

// withDefaults fills in the zero fields of q and checks the others.
func (q Query) withDefaults() (Query, error) {
	if !q.Group.IsValid() {
		q.Group, _ = ParseGroup(DefaultGroup)
	}
	if !q.Group.Addr().Is4() || !q.Group.Addr().IsMulticast() || q.Group.Port() == 0 {
		return q, fmt.Errorf("discovery group %s is not an IPv4 multicast address and port", q.Group)
	}
	if q.Timeout == 0 {
		q.Timeout = DefaultTimeout
	}
	if q.MaxNodes <= 0 || q.MaxNodes > MaxNodes {
		q.MaxNodes = MaxNodes
	}
	if q.Timeout < 0 || q.Timeout > MaxTimeout {
		return q, fmt.Errorf("discovery timeout %v must be positive and at most %v", q.Timeout, MaxTimeout)
	}
	if q.Logger == nil {
		q.Logger = slog.New(slog.DiscardHandler)
	}
	return q, nil
}

// Discover sends a query to the group on every interface to use, collects
// the answers until the timeout (or q.MaxNodes answering nodes), and returns
// the rings they announce, grouped by ring id. Finding none is no error.
func Discover(ctx context.Context, q Query) ([]Ring, error) {
	q, err := q.withDefaults()
	if err != nil {
		return nil, err
	}
	log := q.Logger
	ifs, err := interfaces(q.Interface)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	conn, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	pc := ipv4.NewPacketConn(conn)
	// A query stays on the link, and reaches responders on this host too.
	// (A cancelled ctx closes conn at any point: each error says so.)
	if err := pc.SetMulticastTTL(1); err != nil {
		return nil, ctxOr(ctx, fmt.Errorf("discovery: %w", err))
	}
	if err := pc.SetMulticastLoopback(true); err != nil {
		return nil, ctxOr(ctx, fmt.Errorf("discovery: %w", err))
	}
	var nonce Nonce
	rand.Read(nonce[:])
	s := &sender{pc: pc, ifs: ifs, group: net.UDPAddrFromAddrPort(q.Group), query: encodeQuery(nonce)}
	if err := s.send(); err != nil {
		return nil, ctxOr(ctx, err)
	}

	start := time.Now()
	deadline := start.Add(q.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	resend := time.Time{}
	if q.Timeout >= resendAfter {
		resend = start.Add(q.Timeout / 2)
	}
	c := newCollector(nonce, log)
	buf := make([]byte, MaxAnswer+1) // one byte more tells an oversized datagram
	for c.count() < q.MaxNodes {
		wake := deadline
		if !resend.IsZero() && resend.Before(deadline) {
			wake = resend
		}
		if err := conn.SetReadDeadline(wake); err != nil {
			return nil, ctxOr(ctx, err)
		}
		n, src, err := conn.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if ctx.Err() != nil || !errors.As(err, &ne) || !ne.Timeout() {
				return nil, ctxOr(ctx, fmt.Errorf("discovery: %w", err))
			}
			if resend.IsZero() || !time.Now().Before(deadline) {
				break
			}
			resend = time.Time{}
			if err := s.send(); err != nil {
				log.Debug("second query not sent", "err", err)
			}
			continue
		}
		c.add(buf[:n], src)
	}
	return c.rings(), nil
}

func ctxOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// sender sends the query on each interface.
type sender struct {
	pc    *ipv4.PacketConn
	ifs   []net.Interface
	group *net.UDPAddr
	query []byte
}

// send fails only when the query went out on no interface at all.
func (s *sender) send() error {
	var errs []error
	sent := 0
	for _, ifi := range s.ifs {
		if err := s.pc.SetMulticastInterface(&ifi); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ifi.Name, err))
			continue
		}
		if _, err := s.pc.WriteTo(s.query, nil, s.group); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ifi.Name, err))
			continue
		}
		sent++
	}
	if sent == 0 {
		return fmt.Errorf("discovery: query to %s not sent: %w", s.group, errors.Join(errs...))
	}
	return nil
}
