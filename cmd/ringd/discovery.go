package main

import (
	"log/slog"
	"net"
	"net/netip"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/config"
)

// listenDiscovery starts answering LAN discovery queries when
// discovery.enabled is set; it returns nil when it is not. Its Serve is
// fed the node's status, so that the node itself knows nothing of it.
func listenDiscovery(cfg *config.Config, logger *slog.Logger) (*discovery.Responder, error) {
	if !cfg.Discovery.Enabled {
		return nil, nil
	}
	group, err := discovery.ParseGroup(cfg.Discovery.Group)
	if err != nil {
		return nil, cli.Usage(err) // config.Load has checked it already
	}
	log := logger.With("component", "discovery")
	addr := cfg.Advertise
	if addr == "" {
		addr = cfg.Listen
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
			log.Warn("discovery is enabled but this node advertises a loopback address, which other hosts cannot dial; set advertise",
				"advertise", addr)
		}
	}
	return discovery.Listen(discovery.Options{
		Group: group, Interface: cfg.Discovery.Interface, Secret: cfg.SecretFile != "", Logger: log,
	})
}
