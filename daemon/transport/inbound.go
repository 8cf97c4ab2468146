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
)

// serveInbound handshakes with an accepted connection and then hands its
// messages to Receive until it fails, idles out or the Transport stops.
// The caller took a handshake token for it.
func (t *Transport) serveInbound(conn net.Conn) {
	defer t.wg.Done()
	defer conn.Close()
	stop := context.AfterFunc(t.ctx, func() { _ = conn.Close() })
	defer stop()
	remote := conn.RemoteAddr().String()

	_ = conn.SetDeadline(time.Now().Add(t.opts.HandshakeTimeout))
	_, err := protocol.Handshake(conn)
	<-t.handshakes
	if err != nil {
		if t.ctx.Err() == nil {
			t.log.Info("inbound peer refused", "remote", remote, "err", err)
		}
		return
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return
	}
	t.readInbound(conn, remote)
}

func (t *Transport) readInbound(conn net.Conn, remote string) {
	fr := protocol.NewFrameReader(conn, t.opts.MaxFrame)
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
		if err != nil {
			t.log.Warn("inbound message undecodable, closing connection",
				"remote", remote, "from", h.From, "err", err)
			return
		}
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
	case errors.Is(err, protocol.ErrFrameTooLarge), errors.Is(err, protocol.ErrEmptyFrame):
		what = "inbound frame refused, closing connection"
	}
	t.log.Log(context.Background(), level, what, "remote", remote, "err", err)
}
