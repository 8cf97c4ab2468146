package main

import (
	"context"
	"log/slog"

	"github.com/ringchat/ring/internal/config"
	"github.com/ringchat/ring/internal/metrics"
)

// listenMetrics binds metrics.listen when it is set (nil when it is not), so
// that an address in use stops ringd before the node starts. A failure
// names metrics.listen and the address; like the peer port's, it is exit 1.
func listenMetrics(cfg *config.Config, logger *slog.Logger) (*metrics.Server, error) {
	if cfg.Metrics.Listen == "" {
		return nil, nil
	}
	return metrics.Listen(cfg.Metrics.Listen, logger.With("component", "metrics"))
}

// serveMetrics serves /metrics and /debug/pprof/ from the node's status until
// ctx ends. A failure is logged; the node goes on without its metrics.
func serveMetrics(ctx context.Context, s *metrics.Server, src metrics.Source, logger *slog.Logger) {
	if err := s.Serve(ctx, src); err != nil {
		logger.Error("metrics endpoint failed; the node goes on without it", "component", "metrics", "err", err)
	}
}
