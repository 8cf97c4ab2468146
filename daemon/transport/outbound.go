package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/ringchat/ring/protocol"
)

var (
	errPeerClosed     = errors.New("peer closed the connection")
	errUnexpectedData = errors.New("peer sent data on an outbound connection")
)

// peer is one outbound connection: a queue, the writer goroutine that dials
// and drains it, and a watcher that notices the peer hanging up.
type peer struct {
	key     string
	info    protocol.NodeInfo // as given to the Send that created it
	q       *queue
	ctx     context.Context // cancelled by drop or shutdown; closes the conn
	cancel  context.CancelFunc
	stopped atomic.Bool
}

func (t *Transport) newPeer(key string, info protocol.NodeInfo) *peer {
	ctx, cancel := context.WithCancel(t.ctx)
	return &peer{key: key, info: info, q: newQueue(t.opts.QueueLen), ctx: ctx, cancel: cancel}
}

func (t *Transport) runPeer(p *peer) {
	defer t.wg.Done()
	conn, err := t.connect(p)
	if err != nil {
		t.drop(p, err)
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(p.ctx, func() { _ = conn.Close() })
	defer stop()

	t.wg.Add(1)
	go t.watchPeer(p, conn)
	t.drop(p, t.writeLoop(p, conn))
}

// connect dials p and runs the handshake, both abandoned if p is dropped.
func (t *Transport) connect(p *peer) (net.Conn, error) {
	d := net.Dialer{Timeout: t.opts.DialTimeout}
	conn, err := d.DialContext(p.ctx, "tcp", p.info.Addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(p.ctx, func() { _ = conn.Close() })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(t.opts.HandshakeTimeout))
	sc, err := t.handshakeOut(conn)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return sc, nil
}

// writeLoop drains p's queue into conn, one Flush per batch, until p is
// dropped (nil) or a write fails.
func (t *Transport) writeLoop(p *peer, conn net.Conn) error {
	bw := bufio.NewWriterSize(deadlineWriter{conn, t.opts.WriteTimeout}, writeBuffer)
	var batch [][]byte
	for {
		select {
		case <-p.ctx.Done():
			return nil
		case <-p.q.ready:
		}
		batch = p.q.take(batch)
		for _, f := range batch {
			if err := protocol.WriteFrameBuffered(bw, f, t.opts.MaxFrame); err != nil {
				return err
			}
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("transport: write: %w", err)
		}
		p.q.written()
	}
}

// watchPeer reads the outbound connection only to learn that the peer
// closed it; the peer never writes on it after the handshake.
func (t *Transport) watchPeer(p *peer, conn net.Conn) {
	defer t.wg.Done()
	var b [1]byte
	n, err := conn.Read(b[:])
	switch {
	case n > 0:
		err = errUnexpectedData
	case errors.Is(err, io.EOF):
		err = errPeerClosed
	}
	t.drop(p, err)
}

// deadlineWriter gives every write to the connection a fresh deadline, so a
// peer is dropped when it stops taking bytes, not merely when a large batch
// takes a while.
type deadlineWriter struct {
	conn    net.Conn
	timeout time.Duration
}

func (w deadlineWriter) Write(b []byte) (int, error) {
	if err := w.conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	return w.conn.Write(b)
}
