package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/time/rate"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// Bounds of a responder. The rate covers every host on the link querying
// now and then (a query is sent twice per interface); beyond it queries are
// dropped unanswered, so a flood of spoofed ones gets at most AnswerRate
// answers of at most MaxAnswer bytes a second out of each node.
const (
	AnswerRate  = 20 // queries answered per second
	answerBurst = 40
	// rescanEvery is how often the responder looks for interfaces that
	// came up since it started (a ringd started at boot before the
	// network) and joins the group on them.
	rescanEvery = 10 * time.Second
	// reportEvery spaces the log records about ignored datagrams.
	reportEvery = time.Second
)

// Options configures a Responder.
type Options struct {
	Group     netip.AddrPort // multicast group and port to answer on
	Interface string         // the one interface to use; "" for every suitable one
	Secret    bool           // the ring refuses peers without the cluster secret
	Logger    *slog.Logger   // nil: no logs
}

// Responder answers discovery queries with what a status function reports.
type Responder struct {
	opts      Options
	group     *net.UDPAddr
	conn      net.PacketConn
	pc        *ipv4.PacketConn
	log       *slog.Logger
	limit     *rate.Limiter
	closeOnce sync.Once

	// Owned by the goroutine in Serve (Listen's join runs before it).
	joined   map[int]bool
	joinErrs map[string]string // interface (or "" for the scan) → last error logged
	ignored  tally
	dropped  tally
}

// Listen binds the group's port and joins the group on the interfaces.
// Interfaces that are missing, down or fail to join are logged and tried
// again every 10 s; only a port that cannot be bound is an error.
func Listen(opts Options) (*Responder, error) {
	if !opts.Group.Addr().Is4() || !opts.Group.Addr().IsMulticast() || opts.Group.Port() == 0 {
		return nil, fmt.Errorf("discovery group %s is not an IPv4 multicast address and port", opts.Group)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	group := net.UDPAddrFromAddrPort(opts.Group)
	// For a multicast address, net binds the port on every address with
	// SO_REUSEADDR, so several ringd on one host can all answer.
	conn, err := net.ListenPacket("udp4", group.String())
	if err != nil {
		return nil, fmt.Errorf("discovery: listen on %s: %w", group, err)
	}
	pc := ipv4.NewPacketConn(conn)
	// The destination tells a query to the group from a datagram sent to
	// this port directly, which is not answered.
	if err := pc.SetControlMessage(ipv4.FlagDst, true); err != nil {
		conn.Close()
		return nil, fmt.Errorf("discovery: %w", err)
	}
	r := &Responder{
		opts: opts, group: group, conn: conn, pc: pc, log: log,
		limit:    rate.NewLimiter(AnswerRate, answerBurst),
		joined:   map[int]bool{},
		joinErrs: map[string]string{},
	}
	r.join()
	return r, nil
}

// Close stops answering. It is safe to call more than once, and on nil.
func (r *Responder) Close() error {
	if r == nil {
		return nil
	}
	var err error
	r.closeOnce.Do(func() { err = r.conn.Close() })
	return err
}

// Serve answers queries until ctx ends or Close is called, with what status
// reports at the time of each query. It closes the responder when it
// returns. Only a node that is a member of a ring answers.
func (r *Responder) Serve(ctx context.Context, status func() chat.Status) {
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	defer r.Close()
	buf := make([]byte, QuerySize+1) // one byte more tells an oversized datagram
	rescan := time.Now().Add(rescanEvery)
	for {
		if err := r.conn.SetReadDeadline(rescan); err != nil {
			return // closed
		}
		n, cm, src, err := r.pc.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			switch {
			case ctx.Err() != nil, errors.Is(err, net.ErrClosed):
			case errors.As(err, &ne) && ne.Timeout():
				r.join()
				rescan = time.Now().Add(rescanEvery)
				continue
			default:
				r.log.Error("reading queries failed; no longer answering", "err", err)
			}
			return
		}
		r.answer(buf[:n], cm, src, status)
	}
}

func (r *Responder) answer(b []byte, cm *ipv4.ControlMessage, src net.Addr, status func() chat.Status) {
	now := time.Now()
	if cm == nil || !cm.Dst.Equal(r.group.IP) {
		r.ignore(now, src, errors.New("not sent to the group"))
		return
	}
	nonce, err := parseQuery(b)
	if err != nil {
		r.ignore(now, src, err)
		return
	}
	if !r.limit.AllowN(now, 1) {
		if n := r.dropped.add(now); n > 0 {
			r.log.Warn("queries over the rate dropped unanswered", "dropped", n, "rate", AnswerRate)
		}
		return
	}
	st := status()
	if st.State != chat.StateMember || st.Ring == "" {
		r.log.Debug("query not answered: this node is not a member of a ring", "state", st.State, "from", src.String())
		return
	}
	ans, err := encodeAnswer(nonce, announcementOf(st, r.opts.Secret))
	if err != nil {
		r.log.Warn("cannot announce this ring", "err", err)
		return
	}
	if _, err := r.pc.WriteTo(ans, nil, src); err != nil {
		r.log.Debug("answer not sent", "to", src.String(), "err", err)
		return
	}
	r.log.Debug("query answered", "from", src.String(), "ring", st.Ring)
}

func announcementOf(st chat.Status, secret bool) Announcement {
	return Announcement{
		Ring: st.Ring, LeaderID: st.Leader.ID, LeaderName: st.Leader.Name, Members: st.Members,
		ID: st.ID, Name: st.Name, Addr: st.Addr, Proto: protocol.Version, Secret: secret,
	}
}

// ignore logs a bad datagram; a flood of them makes one record a second.
func (r *Responder) ignore(now time.Time, src net.Addr, why error) {
	if n := r.ignored.add(now); n > 0 {
		r.log.Debug("datagrams ignored", "count", n, "last_from", src.String(), "last_reason", why.Error())
	}
}

// join joins the group on every interface to use that it has not joined
// yet, logging a problem only when it differs from the last one logged.
func (r *Responder) join() {
	ifs, err := interfaces(r.opts.Interface)
	if r.noteJoin("", err) {
		r.log.Warn("no interface to answer discovery on yet; trying again every "+rescanEvery.String(), "err", err)
	}
	for _, ifi := range ifs {
		if r.joined[ifi.Index] {
			continue
		}
		err := r.pc.JoinGroup(&ifi, r.group)
		if r.noteJoin(ifi.Name, err) {
			r.log.Warn("cannot join the discovery group; trying again every "+rescanEvery.String(),
				"interface", ifi.Name, "group", r.group.String(), "err", err)
		}
		if err == nil {
			r.joined[ifi.Index] = true
			r.log.Info("answering discovery queries", "interface", ifi.Name, "group", r.group.String())
		}
	}
}

// noteJoin records the outcome of a join on ifname and reports whether it
// is a new error worth logging.
func (r *Responder) noteJoin(ifname string, err error) bool {
	if err == nil {
		delete(r.joinErrs, ifname)
		return false
	}
	if r.joinErrs[ifname] == err.Error() {
		return false
	}
	r.joinErrs[ifname] = err.Error()
	return true
}

// tally counts events and says when to report them: at the first, and then
// at most once every reportEvery, with the count since the last report.
type tally struct {
	n    int
	last time.Time
}

func (t *tally) add(now time.Time) int {
	t.n++
	if !t.last.IsZero() && now.Sub(t.last) < reportEvery {
		return 0
	}
	n := t.n
	t.n, t.last = 0, now
	return n
}
