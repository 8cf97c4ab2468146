package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
)

// key describes one setting. Its flag and environment variable names are
// derived from its name, so the three spellings cannot disagree.
type key struct {
	name  string
	field func(*Config) any // pointer to the field; its type sets the kind
	check func(*Config) string
	usage string
	// zeroOK lets a duration be 0, which then means "off"; other
	// durations must be positive.
	zeroOK bool
}

// keys lists every setting in the order they are checked and documented.
var keys = []key{
	{
		name:  "name",
		field: func(c *Config) any { return &c.Name },
		check: checkName,
		usage: "node name shown to peers (default: current user name, else host name)",
	},
	{
		name:  "listen",
		field: func(c *Config) any { return &c.Listen },
		check: func(c *Config) string { return checkListenAddr(c.Listen) },
		usage: "host:port to accept peer connections on (default 127.0.0.1:7733)",
	},
	{
		name:  "advertise",
		field: func(c *Config) any { return &c.Advertise },
		check: func(c *Config) string { return checkOptionalDialAddr(c.Advertise) },
		usage: "host:port peers should dial to reach this node (default: listen)",
	},
	{
		name:  "socket",
		field: func(c *Config) any { return &c.Socket },
		check: func(c *Config) string { return checkNotEmpty(c.Socket) },
		usage: "Unix socket for ringctl (default depends on user, RUNTIME_DIRECTORY and XDG_RUNTIME_DIR)",
	},
	{
		name:  "data_dir",
		field: func(c *Config) any { return &c.DataDir },
		check: func(c *Config) string { return checkNotEmpty(c.DataDir) },
		usage: "directory for persistent state (default depends on user, STATE_DIRECTORY and XDG_STATE_HOME)",
	},
	{
		name:  "join",
		field: func(c *Config) any { return &c.Join },
		check: checkJoin,
		usage: "host:port of ring members to join; repeat or separate with commas (default none)",
	},
	{
		name:  "heartbeat_interval",
		field: func(c *Config) any { return &c.HeartbeatInterval },
		usage: "time between heartbeats to the ring neighbours (default " + durationText(limits.HeartbeatInterval) + ")",
	},
	{
		name:  "failure_timeout",
		field: func(c *Config) any { return &c.FailureTimeout },
		usage: "silence after which a neighbour is declared failed (default " + durationText(limits.FailureTimeout) + ")",
	},
	{
		name:  "discovery.enabled",
		field: func(c *Config) any { return &c.Discovery.Enabled },
		usage: "answer discovery queries on the local network (default false)",
	},
	{
		name:  "discovery.group",
		field: func(c *Config) any { return &c.Discovery.Group },
		check: func(c *Config) string { return checkGroup(c.Discovery.Group) },
		usage: "IPv4 multicast group and UDP port of discovery (default " + discovery.DefaultGroup + ")",
	},
	{
		name:  "discovery.interface",
		field: func(c *Config) any { return &c.Discovery.Interface },
		check: func(c *Config) string { return checkInterfaceName(c.Discovery.Interface) },
		usage: "the one network interface to answer discovery on (default: every one that can multicast)",
	},
	{
		name:  "secret_file",
		field: func(c *Config) any { return &c.SecretFile },
		usage: "file holding the shared ring secret (default none)",
	},
	{
		name:  "history.retain_count",
		field: func(c *Config) any { return &c.History.RetainCount },
		usage: fmt.Sprintf("keep at most this many messages in the history, 0 for no limit (default %d)", limits.RetainCount),
	},
	{
		name:   "history.retain_age",
		field:  func(c *Config) any { return &c.History.RetainAge },
		zeroOK: true,
		usage:  "drop history messages older than this, 0 to keep them regardless of age (default " + durationText(limits.RetainAge) + ")",
	},
	{
		name:   "members.reap_after",
		field:  func(c *Config) any { return &c.Members.ReapAfter },
		zeroOK: true,
		usage:  "how long a dead or departed member stays in the member directory, 0 for ever (default " + durationText(limits.ReapAfter) + ")",
	},
	{
		name:  "limits.max_frame",
		field: func(c *Config) any { return &c.Limits.MaxFrame },
		check: func(c *Config) string {
			return checkRange(c.Limits.MaxFrame, limits.FrameMin, limits.FrameMax, " bytes")
		},
		usage: fmt.Sprintf("largest peer frame sent or accepted, in bytes (default %d)", limits.MaxFrame),
	},
	{
		name:  "limits.max_text",
		field: func(c *Config) any { return &c.Limits.MaxText },
		check: func(c *Config) string { return checkRange(c.Limits.MaxText, 1, protocol.MaxTextLen, " bytes") },
		usage: fmt.Sprintf("largest chat message said on this node, in bytes (default %d)", limits.MaxText),
	},
	{
		name:  "limits.max_name",
		field: func(c *Config) any { return &c.Limits.MaxName },
		check: func(c *Config) string { return checkRange(c.Limits.MaxName, 1, protocol.MaxNameLen, " bytes") },
		usage: fmt.Sprintf("longest node name, in bytes (default %d)", limits.MaxName),
	},
	{
		name:  "limits.handshakes",
		field: func(c *Config) any { return &c.Limits.Handshakes },
		check: func(c *Config) string { return checkRange(c.Limits.Handshakes, 1, limits.HandshakesMax, "") },
		usage: fmt.Sprintf("inbound peer connections in handshake at once; more are closed (default %d)", limits.Handshakes),
	},
	{
		name:  "limits.join_rate",
		field: func(c *Config) any { return &c.Limits.JoinRate },
		check: func(c *Config) string { return checkRange(c.Limits.JoinRate, 1, limits.JoinRateMax, " per second") },
		usage: fmt.Sprintf("join requests from peers handled per second; more are dropped (default %d)", limits.JoinRate),
	},
	{
		name:  "limits.join_burst",
		field: func(c *Config) any { return &c.Limits.JoinBurst },
		check: func(c *Config) string { return checkRange(c.Limits.JoinBurst, 1, limits.JoinRateMax, "") },
		usage: fmt.Sprintf("join requests handled at once before join_rate applies (default %d)", limits.JoinBurst),
	},
	{
		name:  "limits.peer_queue",
		field: func(c *Config) any { return &c.Limits.PeerQueue },
		check: func(c *Config) string {
			return checkRange(c.Limits.PeerQueue, limits.PeerQueueMin, limits.PeerQueueMax, " frames")
		},
		usage: fmt.Sprintf("frames waiting for one peer before it is dropped as stuck (default %d)", limits.PeerQueue),
	},
	{
		name:  "metrics.listen",
		field: func(c *Config) any { return &c.Metrics.Listen },
		check: func(c *Config) string { return checkOptionalListenAddr(c.Metrics.Listen) },
		usage: "host:port for the metrics endpoint (default none: disabled)",
	},
	{
		name:  "log.level",
		field: func(c *Config) any { return &c.Log.Level },
		check: func(c *Config) string { return checkOneOf(&c.Log.Level, "debug", "info", "warn", "error") },
		usage: "minimum log level: debug, info, warn or error (default info)",
	},
	{
		name:  "log.format",
		field: func(c *Config) any { return &c.Log.Format },
		check: func(c *Config) string { return checkOneOf(&c.Log.Format, "auto", "text", "json") },
		usage: "stderr log format: auto, text or json (default auto)",
	},
	{
		name:  "log.file",
		field: func(c *Config) any { return &c.Log.File },
		usage: "also write JSON logs to this file (default none)",
	},
}

// env returns the environment variable for k, e.g. RINGD_LOG_LEVEL.
func (k key) env() string {
	return "RINGD_" + strings.ToUpper(strings.ReplaceAll(k.name, ".", "_"))
}

// flag returns the flag name for k, e.g. log-level.
func (k key) flag() string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(k.name)
}

// BindFlags registers on fs one flag per setting, such as --log-level.
// The caller registers -c/--config itself and passes fs to Load.
func BindFlags(fs *pflag.FlagSet) {
	for _, k := range keys {
		usage := k.usage + " [$" + k.env() + "]"
		switch k.field(new(Config)).(type) {
		case *string:
			fs.String(k.flag(), "", usage)
		case *bool:
			fs.Bool(k.flag(), false, usage)
		case *[]string:
			fs.StringSlice(k.flag(), nil, usage)
		// Numbers and durations stay text until Load so that a bad value
		// is reported like one from the file or the environment.
		case *int:
			fs.Var(&textFlag{typ: "int"}, k.flag(), usage)
		case *time.Duration:
			fs.Var(&textFlag{typ: "duration"}, k.flag(), usage)
		default:
			panic(fmt.Sprintf("config: no flag for key %s of type %T", k.name, k.field(new(Config))))
		}
	}
}

// textFlag is a flag value kept as text for Load to parse.
type textFlag struct {
	s, typ string
}

func (f *textFlag) String() string     { return f.s }
func (f *textFlag) Set(s string) error { f.s = s; return nil }
func (f *textFlag) Type() string       { return f.typ }

// durationText writes a default duration as the help text always has:
// 24h, not 24h0m0s; 0 for none.
func durationText(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	t := d.String()
	if strings.HasSuffix(t, "m0s") {
		t = strings.TrimSuffix(t, "0s")
	}
	if strings.HasSuffix(t, "h0m") {
		t = strings.TrimSuffix(t, "0m")
	}
	return t
}
