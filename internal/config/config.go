package config

import (
	"os"
	"os/user"
	"time"

	"github.com/spf13/pflag"

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
	Metrics           Metrics
	Log               Log
}

// Discovery configures finding peers on the local network.
type Discovery struct {
	Enabled bool // default false
}

// History bounds the stored message history. Zero means no bound.
type History struct {
	RetainCount int           // default 100000 messages; >= 0
	RetainAge   time.Duration // default 0: keep regardless of age; >= 0
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
		History:           History{RetainCount: 100000},
		Log:               Log{Level: "info", Format: "auto"},
	}
}

func defaultName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	host, _ := os.Hostname()
	return host
}
