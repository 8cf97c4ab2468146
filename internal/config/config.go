package config

import (
	"os"
	"os/user"

	"github.com/spf13/pflag"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/internal/paths"
)

// Config is ringd's complete, validated configuration. The node's part of
// it is node.Settings, embedded so that it passes to node.Options whole:
//
//	Name              default: current user name, else host name
//	Listen            default "127.0.0.1:7733"; host:port, port 0 allowed
//	Advertise         default: Listen; host:port peers dial
//	DataDir           default paths.DefaultDataDir()
//	Join              default empty, never nil; host:port each
//	HeartbeatInterval default limits.HeartbeatInterval
//	FailureTimeout    default limits.FailureTimeout; always > HeartbeatInterval
//	History           history.*: RetainCount >= 0 (default limits.RetainCount), RetainAge >= 0 (0: any age)
//	Members           members.*: ReapAfter >= 0 (default limits.ReapAfter; 0: never)
//	Limits            limits.*: every field > 0, defaults in package limits
type Config struct {
	node.Settings
	File       string // config file actually read, "" if none
	Socket     string // default paths.DefaultSocket()
	Discovery  Discovery
	SecretFile string // default "" (none)
	Metrics    Metrics
	Log        Log
}

// Discovery configures answering discovery queries on the local network.
type Discovery struct {
	Enabled   bool   // default false
	Group     string // default discovery.DefaultGroup; IPv4 multicast host:port
	Interface string // default "": every interface that can multicast
}

// Metrics configures the metrics endpoint.
type Metrics struct {
	Listen string // default "": no endpoint
}

// Log configures logging; see package logging.
type Log struct {
	Level  string // debug, info (default), warn or error; always lower case
	Format string // auto (default), text or json; always lower case
	File   string // default "": stderr only
}

// Options says where Load finds its inputs.
type Options struct {
	// File is the path given with -c. If "", the first existing file of
	// SearchPaths is read, and having none is fine.
	File string
	// Flags, if not nil, holds the flags registered by BindFlags. Only
	// flags set on the command line count.
	Flags *pflag.FlagSet
	// Environ is the environment in os.Environ form.
	Environ []string
	// SearchPaths is nil for paths.DefaultConfigFiles().
	SearchPaths []string
}

func defaults() *Config {
	return &Config{
		Settings: node.Settings{
			Name:              defaultName(),
			Listen:            "127.0.0.1:7733",
			DataDir:           paths.DefaultDataDir(),
			Join:              []string{},
			HeartbeatInterval: limits.HeartbeatInterval,
			FailureTimeout:    limits.FailureTimeout,
			History:           node.History{RetainCount: limits.RetainCount, RetainAge: limits.RetainAge},
			Members:           node.Members{ReapAfter: limits.ReapAfter},
			Limits:            defaultLimits(),
		},
		Socket:    paths.DefaultSocket(),
		Discovery: Discovery{Group: discovery.DefaultGroup},
		Log:       Log{Level: "info", Format: "auto"},
	}
}

func defaultLimits() node.Limits {
	return node.Limits{
		MaxFrame:   limits.MaxFrame,
		MaxText:    limits.MaxText,
		MaxName:    limits.MaxName,
		Handshakes: limits.Handshakes,
		JoinRate:   limits.JoinRate,
		JoinBurst:  limits.JoinBurst,
		PeerQueue:  limits.PeerQueue,
	}
}

func defaultName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	host, _ := os.Hostname()
	return host
}
