package transport

import (
	"errors"

	"github.com/ringchat/ring/protocol"
)

var errQueueFull = errors.New("send queue full")

// Send encodes msg with this node's id and the given Lamport time and epoch,
// and queues it for to. It never blocks. Peers are keyed by ID when set, else
// by Addr; the first Send to a peer, and the first after it failed or was
// forgotten, opens a fresh connection. A Send naming a known ID at a new
// address replaces the old connection. If the peer's queue is full, its
// connection is torn down, the message is lost and to is reported on Down.
// Messages that cannot be encoded are logged and dropped.
func (t *Transport) Send(to protocol.NodeInfo, lamport, epoch uint64, msg protocol.Message) {
	f, err := t.Encode(lamport, epoch, msg)
	if err != nil {
		t.log.Error("send: cannot encode message, dropped", "peer", to.ID, "addr", to.Addr, "err", err)
		return
	}
	t.SendFrame(to, f)
}

// Frame is a message encoded once, to be queued for one peer or several.
type Frame struct {
	payload []byte // never changed once encoded: queues share it
	typ     protocol.MsgType
}

// Encode encodes msg as Send would.
func (t *Transport) Encode(lamport, epoch uint64, msg protocol.Message) (Frame, error) {
	payload, err := protocol.Encode(lamport, t.opts.Self.ID, epoch, msg)
	if err != nil {
		return Frame{}, err
	}
	return Frame{payload: payload, typ: msg.Type()}, nil
}

// SendFrame queues f for to, as Send does.
func (t *Transport) SendFrame(to protocol.NodeInfo, f Frame) {
	if len(f.payload) > t.opts.MaxFrame {
		t.log.Error("send: message exceeds the frame limit, dropped",
			"peer", to.ID, "addr", to.Addr, "type", f.typ, "size", len(f.payload), "limit", t.opts.MaxFrame)
		return
	}
	p, replaced := t.peerFor(to)
	if replaced != nil {
		t.drop(replaced, nil)
	}
	if p == nil {
		return // shut down
	}
	if !p.q.push(f.payload) {
		t.log.Warn("send queue full, dropping peer", "peer", to.ID, "addr", to.Addr, "limit", t.opts.QueueLen)
		t.drop(p, errQueueFull)
	}
}

// Forget closes the outbound connection to a peer no longer needed, dropping
// whatever is still queued for it. It reports nothing on Down.
func (t *Transport) Forget(to protocol.NodeInfo) {
	t.mu.Lock()
	p := t.peers[peerKey(to)]
	t.mu.Unlock()
	if p != nil {
		t.drop(p, nil)
	}
}

func peerKey(n protocol.NodeInfo) string {
	if n.ID != "" {
		return "id:" + n.ID
	}
	return "addr:" + n.Addr
}

// peerFor returns the live peer for to, starting one if needed, and the peer
// it displaced if to's address changed. It returns a nil peer once shut down.
func (t *Transport) peerFor(to protocol.NodeInfo) (p, replaced *peer) {
	key := peerKey(to)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, nil
	}
	p = t.peers[key]
	if p != nil && to.ID != "" && to.Addr != "" && to.Addr != p.info.Addr {
		replaced, p = p, nil
	}
	if p == nil {
		p = t.newPeer(key, to)
		t.peers[key] = p
		t.wg.Add(1)
		go t.runPeer(p)
	}
	return p, replaced
}

// drop tears p down once. A non-nil cause is reported on Down unless the
// Transport is shutting down.
func (t *Transport) drop(p *peer, cause error) {
	t.mu.Lock()
	if t.peers[p.key] == p {
		delete(t.peers, p.key)
	}
	t.mu.Unlock()
	if !p.stopped.CompareAndSwap(false, true) {
		return
	}
	p.cancel()
	if cause == nil || t.ctx.Err() != nil {
		return
	}
	t.log.Info("peer down", "peer", p.info.ID, "addr", p.info.Addr, "err", cause)
	select {
	case t.down <- Dropped{Peer: p.info, Err: cause}:
	default:
		t.log.Warn("down channel full, report dropped", "peer", p.info.ID, "addr", p.info.Addr)
	}
}
