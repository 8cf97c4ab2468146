package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/history"
	"github.com/ringchat/ring/daemon/lamport"
)

// Options configure a Node.
type Options struct {
	Name      string
	Listen    string // TCP address for peers; port 0 picks a free one
	Advertise string // address peers dial; empty means the bound listen address
	DataDir   string
	Logger    *slog.Logger
	// HistoryLimit bounds the in-memory history (0 = default).
	HistoryLimit int
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
}

// Node is one member of a ring. Its methods are safe for concurrent use.
type Node struct {
	log   *slog.Logger
	now   func() time.Time
	clock lamport.Clock
	hist  *history.Memory
	ln    net.Listener

	mu       sync.Mutex
	self     chat.NodeRef
	state    string
	epoch    uint64
	counter  uint64 // origin counter of messages this node authored
	started  time.Time
	stopped  bool
	watchers map[*Subscription]struct{}
}

// New loads (or creates) the node's identity in opts.DataDir and binds its
// peer listener. Run starts serving.
func New(opts Options) (*Node, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	id, err := loadOrCreateID(opts.DataDir)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen for peers on %s: %w", opts.Listen, err)
	}
	addr := opts.Advertise
	if addr == "" || hasZeroPort(addr) {
		addr = ln.Addr().String()
	}
	n := &Node{
		log:      opts.Logger,
		now:      opts.Now,
		hist:     history.NewMemory(opts.HistoryLimit),
		ln:       ln,
		self:     chat.NodeRef{ID: id, Name: opts.Name, Addr: addr},
		state:    chat.StateMember,
		epoch:    1,
		started:  opts.Now(),
		watchers: make(map[*Subscription]struct{}),
	}
	return n, nil
}

func hasZeroPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// Self returns this node's id, name and advertised address.
func (n *Node) Self() chat.NodeRef {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.self
}

// ListenAddr is the bound peer address.
func (n *Node) ListenAddr() net.Addr { return n.ln.Addr() }

// Run serves peers until ctx is cancelled, then ends every watcher and
// releases the listener. The node starts as the leader of a one-node ring.
func (n *Node) Run(ctx context.Context) error {
	n.ringLog(slog.LevelInfo, "node started", "id", n.self.ID, "addr", n.self.Addr)
	n.mu.Lock()
	_, err := n.appendLocked(chat.KindSystem, "", fmt.Sprintf("%s started a new ring as its leader", n.self.Name))
	n.mu.Unlock()
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	wg.Go(func() { n.acceptPeers(ctx) })
	<-ctx.Done()
	_ = n.ln.Close()
	wg.Wait()

	n.mu.Lock()
	n.stopped = true
	for sub := range n.watchers {
		sub.end(ErrStopped)
	}
	clear(n.watchers)
	n.mu.Unlock()
	n.ringLog(slog.LevelInfo, "node stopped")
	return nil
}

// ringLog logs a record about the ring with the node's current Lamport time.
func (n *Node) ringLog(level slog.Level, msg string, args ...any) {
	n.log.Log(context.Background(), level, msg, append(args, "lamport", n.clock.Now())...)
}

// Status reports this node's view of the ring.
func (n *Node) Status() chat.Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	return chat.Status{
		ID:      n.self.ID,
		Name:    n.self.Name,
		Addr:    n.self.Addr,
		State:   n.state,
		Leader:  n.self,
		Epoch:   n.epoch,
		Prev:    n.self,
		Next:    n.self,
		Members: 1,
		LastSeq: n.hist.LastSeq(),
		Lamport: n.clock.Now(),
	}
}

// Members lists the member directory.
func (n *Node) Members() []chat.Member {
	n.mu.Lock()
	defer n.mu.Unlock()
	return []chat.Member{{
		ID:       n.self.ID,
		Name:     n.self.Name,
		Addr:     n.self.Addr,
		Role:     chat.RoleLeader,
		State:    chat.PresenceAlive,
		LastSeen: n.now().UTC().Truncate(time.Second),
	}}
}

// Join makes this node a member of the ring that the peer at addr belongs to.
func (n *Node) Join(ctx context.Context, addr string) (chat.Status, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return chat.Status{}, &InputError{Field: "address", Problem: fmt.Sprintf("%q is not host:port", addr)}
	}
	return chat.Status{}, fmt.Errorf("join: %w (the ring protocol lands with issue 3)", ErrNotImplemented)
}

// Leave detaches this node from its ring gracefully.
func (n *Node) Leave(ctx context.Context) (chat.Status, error) {
	return chat.Status{}, fmt.Errorf("leave: %w (the ring protocol lands with issue 3)", ErrNotImplemented)
}

// Say sends a chat message (to == "") or a direct message to one member, and
// returns once it is sequenced and stored locally.
func (n *Node) Say(ctx context.Context, text, to string) (chat.Receipt, error) {
	if err := checkText(text); err != nil {
		return chat.Receipt{}, err
	}
	if to != "" {
		return chat.Receipt{}, fmt.Errorf("direct messages: %w", ErrNotImplemented)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return chat.Receipt{}, ErrStopped
	}
	m, err := n.appendLocked(chat.KindChat, "", text)
	if err != nil {
		return chat.Receipt{}, err
	}
	return chat.Receipt{Seq: m.Seq, Lamport: m.Lamport, ID: m.ID}, nil
}

// appendLocked sequences a message authored by this node, stores it and
// hands it to every watcher. n.mu must be held.
func (n *Node) appendLocked(kind, to, text string) (chat.Message, error) {
	n.counter++
	m := chat.Message{
		Seq:     n.hist.LastSeq() + 1,
		Epoch:   n.epoch,
		Lamport: n.clock.Tick(),
		ID:      fmt.Sprintf("%s/%d", n.self.ID, n.counter),
		Kind:    kind,
		From:    n.self,
		To:      to,
		Text:    text,
		Time:    n.now().UTC(),
	}
	if err := n.hist.Append(m); err != nil {
		return chat.Message{}, err
	}
	n.log.Debug("sequenced", "seq", m.Seq, "id", m.ID, "lamport", m.Lamport)
	n.publishLocked(m)
	return m, nil
}

// acceptPeers accepts peer connections until the listener closes. Until the
// ring protocol lands, each peer completes the version handshake and is then
// told that this node does not admit members yet.
func (n *Node) acceptPeers(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := n.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				n.log.Warn("accept peer", "err", err)
			}
			return
		}
		wg.Go(func() { n.servePeer(ctx, conn) })
	}
}
