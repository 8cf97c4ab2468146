package ipc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ringchat/ring/protocol"
)

// limits bound what one local client can make the server hold.
type limits struct {
	// body is the largest request body. The largest legitimate one is a say
	// request: 4 KiB of text, at most 24 KiB once JSON-escaped.
	body int64
	// header bounds request line and headers; ringctl sends under 200 bytes.
	header int
	// readHeader: a connection must deliver its request line and headers
	// within this time, counted from its first byte (or from accept).
	readHeader time.Duration
	// readBody: the body of an ordinary call must arrive within this time
	// after the headers. Not applied to /v1/say/stream, whose body is a
	// stream of lines that may come as slowly as someone types them.
	readBody time.Duration
	// idle: a kept-alive connection with no request in progress is closed
	// after this time. Streams are requests in progress and are not idle.
	idle time.Duration
	// shutdown: how long Serve waits for requests in progress when stopping.
	shutdown time.Duration
}

// maxBody carries the longest text any node may accept (protocol.MaxTextLen)
// however the client escapes it: JSON may write a character as 6 bytes.
const maxBody = 6*protocol.MaxTextLen + 4<<10

var defaultLimits = limits{
	body:       maxBody,
	header:     16 << 10,
	readHeader: 5 * time.Second,
	readBody:   10 * time.Second,
	idle:       2 * time.Minute,
	shutdown:   5 * time.Second,
}

// writeWait: every answer, and every line of a stream, must be taken by the
// client within this time, so a client that stops reading is dropped.
const writeWait = 10 * time.Second

// Server serves the local API for one node.
type Server struct {
	node Node
	log  *slog.Logger
	lim  limits
}

// NewServer returns a server over node; logger should carry component=ipc.
func NewServer(node Node, logger *slog.Logger) *Server {
	return newServer(node, logger)
}

func newServer(node Node, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{node: node, log: logger, lim: defaultLimits}
}

// Serve answers requests on ln until ctx is cancelled, then stops accepting,
// ends open streams and waits (briefly) for requests in progress.
//
// No ReadTimeout or WriteTimeout is set on the http.Server: both would cut
// `tail -f` and `say -` streams. Ordinary calls get their body-read and write
// deadlines per request instead (bodyDeadline, writeJSON), streams per line.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:                      s.handler(),
		ConnContext:                  connContext,
		BaseContext:                  func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout:            s.lim.readHeader,
		IdleTimeout:                  s.lim.idle,
		MaxHeaderBytes:               s.lim.header,
		DisableGeneralOptionsHandler: true, // OPTIONS * reaches the router and gets a JSON 404
		ErrorLog:                     slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), s.lim.shutdown)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			hs.Close()
		}
	}()
	err := hs.Serve(refusalListener{ln, s.lim})
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	<-done
	return err
}

// handler is the whole request pipeline below net/http.
func (s *Server) handler() http.Handler {
	return s.recoverPanics(s.bodyDeadline(s.guard(s.routes())))
}
