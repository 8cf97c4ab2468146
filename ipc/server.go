package ipc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ringchat/ring/daemon"
	"github.com/ringchat/ring/daemon/chat"
)

// Node is what the local API needs of the node.
type Node interface {
	Status() chat.Status
	Members() []chat.Member
	Join(ctx context.Context, addr string) (chat.Status, error)
	Leave(ctx context.Context) (chat.Status, error)
	Say(ctx context.Context, text, to string) (chat.Receipt, error)
	SayAsync(ctx context.Context, text, to string) (<-chan daemon.SayResult, error)
	Watch(q daemon.Query) ([]chat.Message, *daemon.Subscription, error)
}

// Limits of the local API.
const (
	maxRequestBody    = 64 << 10
	maxHeaderBytes    = 16 << 10
	readHeaderTimeout = 5 * time.Second
	idleTimeout       = 2 * time.Minute
	streamWriteWait   = 10 * time.Second
	shutdownWait      = 5 * time.Second
)

// Server serves the local API for one node.
type Server struct {
	node Node
	log  *slog.Logger
}

// NewServer returns a server over node; logger should carry component=ipc.
func NewServer(node Node, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{node: node, log: logger}
}

// Serve answers requests on ln until ctx is cancelled, then stops accepting,
// ends open streams and waits (briefly) for requests in progress.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.routes(),
		ConnContext:       connContext,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			hs.Close()
		}
	}()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	<-done
	return err
}
