// Package metrics serves ringd's observability endpoint (config key
// metrics.listen): Prometheus metrics at /metrics and Go's pprof profiles
// under /debug/pprof/. The ring metrics are read from the node's Status when
// a scraper asks for them, so nothing is counted on the node's hot path.
//
// The Go runtime and process families come from github.com/VictoriaMetrics/metrics
// rather than prometheus/client_golang: the latter, with the protobuf it
// links, cost every idle ringd 2.2 MB of resident memory
// (docs/PERFORMANCE.md, "where the idle memory goes").
package metrics

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/pprof"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/buildinfo"
)

// Source is what the metrics are read from: a node's view of itself and its
// ring. *node.Node is one.
type Source interface {
	Status() chat.Status
}

// maxScrapes is how many /metrics requests are answered at once; more get
// 503, so that a storm of scrapers cannot pile up work beside the node.
const maxScrapes = 4

func init() {
	// The Go runtime and process families get their # TYPE lines (and an
	// empty # HELP): Prometheus then knows the counters from the gauges.
	vm.ExposeMetadata(true)
}

// writeAll writes the whole exposition: ring_build_info, the ring's
// families from src, the Go runtime's (go_*) and the process's (process_*).
func writeAll(buf *bytes.Buffer, src Source) {
	bi := buildinfo.Get()
	e := &exposition{buf}
	e.family("ring_build_info", helpBuildInfo)
	e.sample("ring_build_info", 1, "commit", bi.Commit, "version", bi.Version)
	writeRing(e, src.Status())
	vm.WriteProcessMetrics(buf)
	vm.WriteFDMetrics(buf)
}

// scrapeHandler answers GET /metrics with writeAll's exposition.
func scrapeHandler(src Source, logger *slog.Logger) http.Handler {
	slots := make(chan struct{}, maxScrapes)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			http.Error(w, "too many scrapes at once", http.StatusServiceUnavailable)
			return
		}
		var buf bytes.Buffer
		writeAll(&buf, src)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		if _, err := w.Write(buf.Bytes()); err != nil {
			logger.Debug("metrics scrape cut short", "err", err)
		}
	})
}

// NewHandler serves GET /metrics (src's ring metrics with the Go runtime and
// process metrics) and Go's pprof under /debug/pprof/: the index, cmdline,
// profile, symbol, trace and the named profiles (heap, goroutine, allocs,
// block, mutex, threadcreate). A scrape cut short is logged to logger.
// Requests that a web page could make are refused (browserGuard).
func NewHandler(src Source, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", scrapeHandler(src, logger))
	// pprof.Index also serves the named profiles: /debug/pprof/heap, ...
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ringd\n/metrics        Prometheus metrics\n/debug/pprof/   Go profiles (go tool pprof http://HOST:PORT/debug/pprof/profile?seconds=5)\n"))
	})
	return browserGuard(mux)
}
