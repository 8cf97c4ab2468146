// Package metrics serves ringd's observability endpoint (config key
// metrics.listen): Prometheus metrics at /metrics and Go's pprof profiles
// under /debug/pprof/. The ring metrics are read from the node's Status when
// a scraper asks for them, so nothing is counted on the node's hot path.
package metrics

import (
	"log/slog"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/buildinfo"
)

// Source is what the metrics are read from: a node's view of itself and its
// ring. *node.Node is one.
type Source interface {
	Status() chat.Status
}

// NewRegistry returns a private registry holding the Go runtime and process
// collectors, ring_build_info and the ring metrics of src.
func NewRegistry(src Source) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	bi := buildinfo.Get()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "ring_build_info",
			Help:        "Version and commit ringd was built from; always 1.",
			ConstLabels: prometheus.Labels{"version": bi.Version, "commit": bi.Commit},
		}, func() float64 { return 1 }),
		newRingCollector(src),
	)
	return reg
}

// NewHandler serves GET /metrics (src's ring metrics with the Go runtime and
// process metrics) and Go's pprof under /debug/pprof/: the index, cmdline,
// profile, symbol, trace and the named profiles (heap, goroutine, allocs,
// block, mutex, threadcreate). Errors while gathering are logged to logger.
// Requests that a web page could make are refused (browserGuard).
func NewHandler(src Source, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reg := NewRegistry(src)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(logger.Handler(), slog.LevelError),
		Registry:            reg,
		MaxRequestsInFlight: 4,
	})))
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
