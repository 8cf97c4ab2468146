package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/directory"
	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/store"
	"github.com/ringchat/ring/daemon/transport"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/protocol"
)

// Node is one member of a ring: the ring machine driven over TCP, its
// history, and the watchers following it. Its methods are safe for
// concurrent use; one goroutine (run) owns the machine.
type Node struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	st      *store.Store
	hist    *durableLog
	ln      net.Listener
	tr      *transport.Transport
	machine *ring.Machine
	self    chat.NodeRef
	hub     *watch.Hub // the watchers; they read the history with readForWatch

	reqs         chan func()
	done         chan struct{} // closed when Run returns
	lamport      atomic.Uint64
	joinsDropped atomic.Uint64 // join requests over the rate, since start

	mu  sync.Mutex
	pub published // guarded by mu

	drv driverState // owned by the run goroutine

	afterSubscribe func() // tests: runs in Watch between subscribing and reading the history
}

// published is what the run goroutine shows the other goroutines.
type published struct {
	status      chat.Status
	dir         *directory.Directory // the member directory
	lastSeen    map[string]time.Time // when each peer was last heard from
	unreachable []string             // members the machine does not hear (snapshot)
	stopped     bool
}

// driverState is what only the run goroutine touches.
type driverState struct {
	joinLimit *joinLimiter
	says      map[uint64]*sayWait
	dm        directState // direct messages waiting for their recipient's ack
	joins     []chan error
	leaves    []chan error
	held      []heldEvent // Delivered and Acked events waiting for the store
	storeErr  error       // the store failed: the node stops
	persisted persisted   // what the store holds of the machine's state and outbox
	lastTick  time.Time   // when the machine last ticked (tick)
	// quorumLost: the watchers were told the node has no quorum (notice);
	// notices counts the notices given.
	quorumLost bool
	notices    uint64
}

// New loads (or creates) the node's identity in opts.DataDir and binds its
// peer listener. Run starts it.
func New(opts Options) (*Node, error) {
	opts = opts.withDefaults()
	id, err := loadOrCreateID(opts.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(store.Options{
		Path:            filepath.Join(opts.DataDir, historyDir),
		Import:          filepath.Join(opts.DataDir, legacyHistoryFile),
		KeepUncommitted: true,
		RetainCount:     opts.History.RetainCount,
		RetainAge:       opts.History.RetainAge,
		Logger:          opts.Logger.With("component", "store"),
		Now:             opts.Now,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("listen for peers on %s: %w", opts.Listen, err)
	}
	addr := opts.Advertise
	if addr == "" || hasZeroPort(addr) {
		addr = ln.Addr().String()
	}
	self := protocol.NodeInfo{ID: id, Name: opts.Name, Addr: addr}
	hist := newDurableLog(st)
	failureTicks := int((opts.FailureTimeout + opts.HeartbeatInterval - 1) / opts.HeartbeatInterval)
	n := &Node{
		opts: opts,
		log:  opts.Logger.With("component", "node"),
		now:  opts.Now,
		st:   st,
		hist: hist,
		ln:   ln,
		tr: transport.New(ln, transport.Options{
			Self:   self,
			Logger: opts.Logger.With("component", "transport"),
			Keys:   opts.Keys,

			MaxFrame:      opts.Limits.MaxFrame,
			QueueLen:      opts.Limits.PeerQueue,
			MaxHandshakes: opts.Limits.Handshakes,
		}),
		machine: ring.New(ring.Config{
			Self:         self,
			Log:          hist,
			FailureTicks: max(failureTicks, 2),
			Now:          func() int64 { return opts.Now().UnixNano() },
		}),
		self: chat.NodeRef{ID: id, Name: opts.Name, Addr: addr},
		reqs: make(chan func()),
		done: make(chan struct{}),
		pub: published{
			lastSeen: map[string]time.Time{},
			dir:      directory.New(opts.Members.ReapAfter, opts.FailureTimeout/2),
		},
		drv: driverState{
			says:      map[uint64]*sayWait{},
			dm:        newDirectState(opts.FailureTimeout),
			joinLimit: newJoinLimiter(opts.Limits.JoinRate, opts.Limits.JoinBurst),
		},
	}
	hist.onDurable = n.durable
	n.hub = watch.New(n.readForWatch, 0, opts.Logger.With("component", "watch"))
	if err := n.restore(); err != nil {
		_ = ln.Close()
		_ = st.Close()
		return nil, err
	}
	n.loadDirectory()
	n.snapshot()
	n.observePresence()
	return n, nil
}

func hasZeroPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// ringLog logs a record about the ring with the node's current Lamport time.
func (n *Node) ringLog(level slog.Level, msg string, args ...any) {
	n.log.Log(context.Background(), level, msg, append(args, "lamport", n.lamport.Load())...)
}
