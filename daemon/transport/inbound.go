package transport

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/ringchat/ring/protocol"
	"github.com/ringchat/ring/protocol/secure"
)

// serveInbound handshakes with an accepted connection and then hands its
// messages to Receive until it fails, idles out or the Transport stops.
// The caller took a handshake token for it.
func (t *Transport) serveInbound(conn net.Conn, host string) {
	defer t.wg.Done()
	defer t.inbound.Add(-1)
	defer conn.Close()
	stop := context.AfterFunc(t.ctx, func() { _ = conn.Close() })
	defer stop()
	remote := conn.RemoteAddr().String()

	_ = conn.SetDeadline(time.Now().Add(t.opts.HandshakeTimeout))
	sc, err := t.handshakeIn(conn)
	<-t.handshakes
	t.perHost.give(host)
	if err != nil {
		if t.ctx.Err() == nil {
			t.logRefusal(remote, err)
		}
		return
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return
	}
	t.readInbound(sc, remote)
}

// logRefusal logs a failed inbound handshake: a stranger or a wrong secret
// is worth a warning, a connection that just went away is not.
func (t *Transport) logRefusal(remote string, err error) {
	level := slog.LevelInfo
	switch {
	case errors.Is(err, secure.ErrWrongKey):
		level = slog.LevelWarn
		err = errors.New("the peer does not hold this ring's secret")
	case errors.Is(err, errPeerOpen), errors.Is(err, errPeerSecure):
		level = slog.LevelWarn
	}
	var bad *protocol.BadMagicError
	if errors.As(err, &bad) {
		level = slog.LevelWarn
	}
	t.log.Log(context.Background(), level, "inbound peer refused", "remote", remote, "err", err)
}

// reuseFrame is the largest frame read into a buffer the connection keeps:
// a joined Submit or Deliver of the longest text fits. A buffer per frame
// was 5 % of a node's allocation at full throughput (docs/PERFORMANCE.md).
const reuseFrame = protocol.MaxTextLen + 16<<10

func (t *Transport) readInbound(conn net.Conn, remote string) {
	fr := protocol.NewFrameReader(conn, t.opts.MaxFrame)
	fr.Reuse = reuseFrame // Decode copies out what it keeps
	admitted := 0         // bytes of the frame being read, held from the budget
	fr.Admit = func(n int) error {
		if err := t.budget.admit(n); err != nil {
			return err
		}
		admitted = n
		return nil
	}
	defer func() { t.budget.release(admitted) }()
	last := t.heard.open()
	defer t.heard.close(last)
	for {
		if err := conn.SetReadDeadline(time.Now().Add(t.opts.IdleTimeout)); err != nil {
			return
		}
		frame, err := fr.ReadFrame()
		if err != nil {
			t.logReadError(remote, err)
			return
		}
		h, msg, err := protocol.Decode(frame)
		t.budget.release(admitted) // Decode copied out what it keeps
		admitted = 0
		if err != nil {
			t.log.Warn("inbound message undecodable, closing connection",
				"remote", remote, "from", h.From, "err", err)
			return
		}
		last.note(h.From)
		select {
		case t.recv <- Inbound{Header: h, Msg: msg, Remote: remote}:
		case <-t.ctx.Done():
			return
		}
	}
}

func (t *Transport) logReadError(remote string, err error) {
	level, what := slog.LevelWarn, "inbound connection failed"
	switch {
	case t.ctx.Err() != nil:
		return
	case errors.Is(err, io.EOF):
		level, what = slog.LevelDebug, "inbound connection closed by peer"
	case errors.Is(err, os.ErrDeadlineExceeded):
		level, what = slog.LevelInfo, "inbound connection idle, closing"
	case errors.Is(err, protocol.ErrFrameTooLarge), errors.Is(err, protocol.ErrEmptyFrame), errors.Is(err, errBudget):
		what = "inbound frame refused, closing connection"
	}
	t.log.Log(context.Background(), level, what, "remote", remote, "err", err)
}
