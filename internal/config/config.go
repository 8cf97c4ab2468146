package config

import (
	"os"
	"os/user"
	"time"

	"github.com/spf13/pflag"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/paths"
)

// Config is ringd's complete, validated configuration.
type Config struct {
	File              string        // config file actually read, "" if none
	Name              string        // default: current user name, else host name
	Listen            string        // default "127.0.0.1:7733"; host:port, port 0 allowed
	Advertise         string        // default: Listen; host:port peers dial
	Socket            string        // default paths.DefaultSocket()
	DataDir           string        // default paths.DefaultDataDir()
	Join              []string      // default empty, never nil; host:port each
	HeartbeatInterval time.Duration // default 200ms
	FailureTimeout    time.Duration // default 1s; always > HeartbeatInterval
	Discovery         Discovery
	SecretFile        string // default "" (none)
	History           History
	Members           Members
	Limits            Limits
	Metrics           Metrics
	Log               Log
}

// Discovery configures answering discovery queries on the local network.
type Discovery struct {
	Enabled   bool   // default false
	Group     string // default discovery.DefaultGroup; IPv4 multicast host:port
	Interface string // default "": every interface that can multicast
}

// History bounds the stored message history. Zero means no bound.
type History struct {
	RetainCount int           // default 100000 messages; >= 0
	RetainAge   time.Duration // default 0: keep regardless of age; >= 0
}

// Members configures the member directory.
type Members struct {
	ReapAfter time.Duration // default 24h; 0: dead and departed members stay listed for ever
}

// Limits bound what a node accepts from peers and local clients, so that
// neither a flood nor a stuck peer can exhaust it. Every field is > 0.
type Limits struct {
	MaxFrame   int // default 1 MiB; bytes of one peer frame, either way
	MaxText    int // default 4096; bytes of one chat message said on this node
	MaxName    int // default 64; bytes of this node's name
	Handshakes int // default 64; inbound peer connections in handshake at once
	JoinRate   int // default 10; join requests from peers handled per second
	JoinBurst  int // default 20; join requests handled at once before JoinRate applies
	PeerQueue  int // default 4096; frames waiting for one peer before it is dropped
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
		Name:              defaultName(),
		Listen:            "127.0.0.1:7733",
		Socket:            paths.DefaultSocket(),
		DataDir:           paths.DefaultDataDir(),
		Join:              []string{},
		HeartbeatInterval: 200 * time.Millisecond,
		FailureTimeout:    time.Second,
		Discovery:         Discovery{Group: discovery.DefaultGroup},
		History:           History{RetainCount: 100000},
		Members:           Members{ReapAfter: 24 * time.Hour},
		Limits:            defaultLimits(),
		Log:               Log{Level: "info", Format: "auto"},
	}
}

func defaultLimits() Limits {
	return Limits{
		MaxFrame:   1 << 20,
		MaxText:    4096,
		MaxName:    64,
		Handshakes: 64,
		JoinRate:   10,
		JoinBurst:  20,
		PeerQueue:  4096,
	}
}

func defaultName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	host, _ := os.Hostname()
	return host
}
