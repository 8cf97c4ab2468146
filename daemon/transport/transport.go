package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/protocol"
	"github.com/ringchat/ring/protocol/secure"
)

// Inbound is one message received from a peer.
type Inbound struct {
	Header protocol.Header // Lamport, From (sender node id), Epoch
	Msg    protocol.Message
	Remote string // remote TCP address, for logs
}

// Transport moves ring messages over TCP. Its methods are safe for
// concurrent use. Run must be called for it to accept peers and, when its
// context ends, to release every connection and goroutine.
type Transport struct {
	ln   net.Listener
	opts Options
	log  *slog.Logger

	recv       chan Inbound
	down       chan Dropped
	handshakes chan struct{} // one token per inbound connection in handshake
	inbound    atomic.Int64  // inbound connections open
	perHost    hostCounter   // inbound handshakes in progress by IP address
	budget     *frameBudget
	heard      heardTable // each inbound connection's latest frame

	// ctx ends when Run's context does (or Run fails); every goroutine and
	// connection hangs off it.
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	running atomic.Bool

	keys atomic.Pointer[[]secure.Key]

	mu     sync.Mutex
	peers  map[string]*peer
	closed bool
}

var errAlreadyRun = errors.New("transport: Run called more than once")

// New returns a Transport that accepts peers on ln once Run is called. Sends
// may start before Run.
func New(ln net.Listener, opts Options) *Transport {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		ln:         ln,
		opts:       opts,
		log:        opts.Logger,
		recv:       make(chan Inbound, receiveBuffer),
		down:       make(chan Dropped, downBuffer),
		handshakes: make(chan struct{}, opts.MaxHandshakes),
		budget:     &frameBudget{max: opts.FrameBudget},
		ctx:        ctx,
		cancel:     cancel,
		peers:      make(map[string]*peer),
	}
	t.SetKeys(opts.Keys)
	return t
}

// Receive is the channel of decoded inbound messages. When it is full,
// readers wait (holding back only their own connection) until Run's context
// ends. It is never closed.
func (t *Transport) Receive() <-chan Inbound { return t.recv }

// Dropped is a peer whose outbound connection failed, as given to the Send
// that opened the connection, and why.
type Dropped struct {
	Peer protocol.NodeInfo
	Err  error
}

// Down reports peers whose outbound connection failed: dial or handshake
// failure (a wrong cluster secret, say), write error or timeout, the peer
// closing the connection, or a queue overflow. Reports that find the
// channel full are logged and dropped. It is never closed.
func (t *Transport) Down() <-chan Dropped { return t.down }

// Run accepts peers until ctx ends, then closes every connection, waits for
// every goroutine of the Transport and returns nil. If the listener fails
// first, Run shuts down the same way and returns the error.
func (t *Transport) Run(ctx context.Context) error {
	if !t.running.CompareAndSwap(false, true) {
		return errAlreadyRun
	}
	stop := context.AfterFunc(ctx, func() {
		t.cancel()
		_ = t.ln.Close()
	})
	defer stop()
	err := t.acceptLoop()
	t.shutdown()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (t *Transport) acceptLoop() error {
	var backoff time.Duration
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil {
				return nil
			}
			// Running out of file descriptors and the like pass; back off
			// rather than spin or give up.
			var te interface{ Temporary() bool }
			if !errors.As(err, &te) || !te.Temporary() {
				return fmt.Errorf("transport: accept: %w", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			t.log.Warn("accept failed, retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-t.ctx.Done():
			}
			continue
		}
		backoff = 0
		if t.inbound.Load() >= int64(t.opts.MaxInbound) {
			t.log.Warn("too many inbound connections, refusing connection",
				"remote", conn.RemoteAddr().String(), "limit", t.opts.MaxInbound)
			_ = conn.Close()
			continue
		}
		host := remoteHost(conn)
		if !t.perHost.take(host, t.opts.MaxHandshakesPerHost) {
			t.log.Warn("too many inbound handshakes from one address, refusing connection",
				"remote", conn.RemoteAddr().String(), "limit", t.opts.MaxHandshakesPerHost)
			_ = conn.Close()
			continue
		}
		select {
		case t.handshakes <- struct{}{}:
		default:
			t.perHost.give(host)
			t.log.Warn("too many inbound handshakes, refusing connection",
				"remote", conn.RemoteAddr().String(), "limit", t.opts.MaxHandshakes)
			_ = conn.Close()
			continue
		}
		t.wg.Add(1)
		t.inbound.Add(1)
		go t.serveInbound(conn, host)
	}
}

func (t *Transport) shutdown() {
	t.mu.Lock()
	t.closed = true
	clear(t.peers)
	t.mu.Unlock()
	t.cancel()
	_ = t.ln.Close()
	t.wg.Wait()
}
