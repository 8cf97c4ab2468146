package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// MaxProfile is the longest CPU profile or trace the server can send
// (?seconds=N): its write timeout is a little longer.
const MaxProfile = 2 * time.Minute

const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second // requests are GETs, or a small POST to symbol
	writeTimeout      = MaxProfile + 10*time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
	shutdownTimeout   = 5 * time.Second
)

// Server is the metrics endpoint: bound by Listen at start-up, so that a
// bad address stops ringd before the node starts, then served by Serve.
type Server struct {
	ln  net.Listener
	log *slog.Logger
}

// Listen binds addr, the value of metrics.listen (port 0 picks a free one;
// Addr and the "metrics listening" record tell which). The error names the
// key and the address.
func Listen(addr string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %s: %w", addr, err)
	}
	return &Server{ln: ln, log: logger}, nil
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close releases the listener of a server that will not be served.
func (s *Server) Close() error { return s.ln.Close() }

// Serve answers NewHandler(src) on the listener until ctx is cancelled, then
// shuts down: requests in progress get a few seconds to finish (a CPU
// profile or trace in progress ends at once, with what it has, since request
// contexts derive from ctx). It returns nil after a clean stop.
func (s *Server) Serve(ctx context.Context, src Source) error {
	hs := &http.Server{
		Handler:           NewHandler(src, s.log),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	// stop ends the shutdown goroutine also when Serve fails by itself.
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-stopCtx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			hs.Close()
		}
	}()
	s.log.Info("metrics listening", "addr", s.ln.Addr().String())
	err := hs.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	stop()
	<-done
	return err
}
