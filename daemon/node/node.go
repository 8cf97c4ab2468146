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
		Path:            filepath.Join(opts.DataDir, historyFile),
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

// Self returns this node's id, name and advertised address.
func (n *Node) Self() chat.NodeRef { return n.self }

// ListenAddr is the bound peer address.
func (n *Node) ListenAddr() net.Addr { return n.ln.Addr() }

// leaveGrace bounds the graceful leave when the node stops.
const leaveGrace = 3 * time.Second

// Run drives the node until ctx is cancelled, then leaves the ring
// gracefully, ends every watcher and releases the listener.
func (n *Node) Run(ctx context.Context) error {
	defer close(n.done)
	trCtx, stopTransport := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = n.tr.Run(trCtx) })
	defer func() {
		stopTransport()
		wg.Wait()
	}()

	n.ringLog(slog.LevelInfo, "node started", "id", n.self.ID, "addr", n.self.Addr, "last_seq", n.st.LastSeq())
	resumed := n.machine.Resume() // it may find its leave committed: then Saved says it left
	switch saved := n.machine.Saved(); {
	case resumed:
		n.ringLog(slog.LevelInfo, "going back to the ring this node was in", "ring", saved.RingID, "members", len(saved.Members))
	case saved.Left:
		n.ringLog(slog.LevelInfo, "this node left its ring: it stays detached until `ringctl join`")
	case len(n.opts.Join) == 0:
		n.machine.Found()
	default:
		wg.Go(func() { n.joinAtStart(ctx) })
	}
	n.process()

	ticker := time.NewTicker(n.opts.HeartbeatInterval)
	defer ticker.Stop()
	for ctx.Err() == nil && n.drv.storeErr == nil {
		n.step(ctx.Done(), ticker.C)
	}
	if n.drv.storeErr == nil {
		n.shutdown(ticker.C)
	} else {
		n.stopWaiters()
	}
	if err := n.st.Close(); err != nil && n.drv.storeErr == nil {
		n.drv.storeErr = err
	}
	if n.drv.storeErr != nil {
		return fmt.Errorf("history store: %w", n.drv.storeErr)
	}
	return nil
}

// cycleInputs bounds the inputs of one driver cycle. What the machine
// produces for all of them is sent and stored together (process): under
// load a leader sends one Deliver per member for many messages, and every
// node commits them in one transaction.
const cycleInputs = 256

// step waits for one input, then takes the inputs that are already waiting
// (peers' messages and local requests, up to cycleInputs, until the machine
// has news other than deliveries), and acts on what the machine produced.
func (n *Node) step(done <-chan struct{}, tick <-chan time.Time) {
	select {
	case <-done:
		return
	case in := <-n.tr.Receive():
		n.receive(in)
	case d := <-n.tr.Down():
		n.directPeerDown(d.Peer)
		n.machine.PeerDown(d.Peer, d.Err.Error())
	case <-tick:
		n.tick()
	case f := <-n.reqs:
		f()
	case err := <-n.hist.next():
		n.hist.completed(err)
		if n.drv.storeErr != nil {
			return
		}
		n.machine.Stored() // a member tells its leader, a leader may commit
	}
	for i := 1; i < cycleInputs && !n.machine.HasNews(); i++ {
		select {
		case in := <-n.tr.Receive():
			n.receive(in)
			continue
		case f := <-n.reqs:
			f()
			continue
		default:
		}
		break
	}
	n.process()
}

// tick advances the machine's clock. Peers whose frames were read since
// the last tick are alive even if their frames still wait in the receive
// queue: under load, heartbeats queue behind chat, and a busy node must not
// take its peers for dead.
func (n *Node) tick() {
	now := time.Now() // the transport's clock, not Options.Now: HeardSince compares with it
	for _, id := range n.tr.HeardSince(n.drv.lastTick) {
		n.machine.Heard(id)
	}
	n.drv.lastTick = now
	n.machine.Tick()
	n.expireDirects()
	n.expireSays()
}

// receive feeds one peer message to the machine, or to the direct messages.
func (n *Node) receive(in transport.Inbound) {
	if !n.admitJoinRequest(in) {
		return
	}
	n.mu.Lock()
	n.pub.lastSeen[in.Header.From] = n.now()
	n.mu.Unlock()
	if n.onDirect(in) {
		return
	}
	switch m := in.Msg.(type) {
	case protocol.Election:
		n.log.Debug("candidacy", "from", in.Header.From, "candidate", m.Candidate.NodeID, "epoch", m.Epoch, "voters", len(m.Voters), "hops", m.Hops)
	case protocol.Elected:
		n.log.Debug("announcement", "from", in.Header.From, "leader", m.Leader.Name, "epoch", m.NewEpoch, "votes", len(m.Ring))
	}
	n.machine.Step(in.Header, in.Msg)
}

// shutdown leaves the ring (bounded by leaveGrace) and ends every waiter.
func (n *Node) shutdown(tick <-chan time.Time) {
	if st := n.machine.State(); st == ring.Member || st == ring.Electing {
		n.ringLog(slog.LevelInfo, "leaving the ring before stopping")
		left := make(chan error, 1)
		n.drv.leaves = append(n.drv.leaves, left)
		n.machine.Leave()
		n.process()
		dctx, cancel := context.WithTimeout(context.Background(), leaveGrace)
	wait:
		for {
			select {
			case err := <-left:
				if err != nil {
					n.ringLog(slog.LevelWarn, "leave failed", "err", err)
				}
				break wait
			case <-dctx.Done():
				n.ringLog(slog.LevelWarn, "leave did not finish in time")
				break wait
			default:
				n.step(dctx.Done(), tick)
			}
		}
		cancel()
		n.tr.Flush(time.Second) // the leave must reach the others before the connections close
		// Stopping is no leave by the user: on start the node goes back.
		saved := n.machine.Saved()
		saved.Left = false
		n.saveState(saved)
	}
	n.stopWaiters()
	n.ringLog(slog.LevelInfo, "node stopped")
}

// stopWaiters ends every watcher and caller still waiting.
func (n *Node) stopWaiters() {
	n.hist.settle() // what is acknowledged now is stored
	n.mu.Lock()
	n.pub.stopped = true
	n.mu.Unlock()
	n.hub.Stop(ErrStopped)
	for _, w := range n.drv.says {
		w.c <- SayResult{Err: ErrStopped}
	}
	clear(n.drv.says)
	n.failDirects(ErrStopped)
	n.finishJoins(ErrStopped)
}

// do runs f on the run goroutine, or fails if the node stops first.
func (n *Node) do(ctx context.Context, f func()) error {
	n.mu.Lock()
	stopped := n.pub.stopped
	n.mu.Unlock()
	if stopped {
		return ErrStopped
	}
	select {
	case n.reqs <- f:
		return nil
	case <-n.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ringLog logs a record about the ring with the node's current Lamport time.
func (n *Node) ringLog(level slog.Level, msg string, args ...any) {
	n.log.Log(context.Background(), level, msg, append(args, "lamport", n.lamport.Load())...)
}
