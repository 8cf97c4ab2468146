package daemon

import (
	"context"
	"net"
	"time"

	"github.com/ringchat/ring/protocol"
)

const peerHandshakeTimeout = 5 * time.Second

// servePeer answers one peer connection.
func (n *Node) servePeer(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(peerHandshakeTimeout))
	version, err := protocol.Handshake(conn)
	if err != nil {
		n.log.Info("peer refused", "remote", conn.RemoteAddr().String(), "err", err)
		return
	}
	n.log.Info("peer connected; the ring protocol is not implemented yet, closing",
		"remote", conn.RemoteAddr().String(), "version", version)
}
