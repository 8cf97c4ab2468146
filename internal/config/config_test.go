package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/internal/paths"
)

// input is what one Load call sees.
type input struct {
	file string   // config file contents; "" for no file
	env  []string // os.Environ form
	args []string // command-line flags
}

// load writes in.file to a temporary file and loads it with in.env and
// in.args. It returns the file's path for comparison with Error.Source.
func load(t *testing.T, in input) (*Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	opts := Options{Environ: in.env, SearchPaths: []string{filepath.Join(dir, "absent.yaml")}}
	var path string
	if in.file != "" {
		path = filepath.Join(dir, "ringd.yaml")
		if err := os.WriteFile(path, []byte(in.file), 0o600); err != nil {
			t.Fatal(err)
		}
		opts.File = path
	}
	opts.Flags = pflag.NewFlagSet("ringd run", pflag.ContinueOnError)
	BindFlags(opts.Flags)
	if err := opts.Flags.Parse(in.args); err != nil {
		t.Fatalf("parsing %q: %v", in.args, err)
	}
	c, err := Load(opts)
	return c, path, err
}

func defaultConfig() *Config {
	return &Config{
		Settings:  node.Settings{Name: defaultName(), Listen: "127.0.0.1:7733", Advertise: "127.0.0.1:7733", DataDir: paths.DefaultDataDir(), Join: []string{}, HeartbeatInterval: 200 * time.Millisecond, FailureTimeout: time.Second, History: node.History{RetainCount: 100000}, Members: node.Members{ReapAfter: 24 * time.Hour}, Limits: testDefaultLimits},
		Socket:    paths.DefaultSocket(),
		Discovery: Discovery{Group: "239.255.77.33:7734"},
		Log:       Log{Level: "info", Format: "auto"},
	}
}

var testDefaultLimits = node.Limits{
	MaxFrame: 1 << 20, MaxText: 4096, MaxName: 64, Handshakes: 64, JoinRate: 10, JoinBurst: 20, PeerQueue: 4096,
}

const fullFile = `
name: bob
listen: 0.0.0.0:8000
advertise: bob.example:8000
socket: run/ringd.sock
data_dir: state
join: [a.example:7733, "[2001:db8::1]:7733"]
heartbeat_interval: 100ms
failure_timeout: 2s
discovery:
  enabled: true
secret_file: /etc/ringd/secret
history:
  retain_count: 500
  retain_age: 720h
members:
  reap_after: 1h
limits:
  max_frame: 2097152
  max_text: 8192
  max_name: 32
  handshakes: 16
  join_rate: 5
  join_burst: 7
  peer_queue: 1024
metrics:
  listen: 127.0.0.1:9100
log:
  level: DEBUG
  format: json
  file: /var/log/ringd.log
`

func TestLoad(t *testing.T) {
	fromFile := func() *Config {
		return &Config{
			Settings: node.Settings{Name: "bob", Listen: "0.0.0.0:8000", Advertise: "bob.example:8000", DataDir: "state", Join: []string{"a.example:7733", "[2001:db8::1]:7733"}, HeartbeatInterval: 100 * time.Millisecond, FailureTimeout: 2 * time.Second, History: node.History{RetainCount: 500, RetainAge: 720 * time.Hour}, Members: node.Members{ReapAfter: time.Hour}, Limits: node.Limits{
				MaxFrame: 2 << 20, MaxText: 8192, MaxName: 32, Handshakes: 16, JoinRate: 5, JoinBurst: 7, PeerQueue: 1024,
			}},
			Socket:     "run/ringd.sock",
			Discovery:  Discovery{Enabled: true, Group: "239.255.77.33:7734"},
			SecretFile: "/etc/ringd/secret",
			Metrics:    Metrics{Listen: "127.0.0.1:9100"},
			Log:        Log{Level: "debug", Format: "json", File: "/var/log/ringd.log"},
		}
	}
	tests := []struct {
		name string
		in   input
		want func() *Config
	}{
		{
			name: "defaults without a file",
			want: defaultConfig,
		},
		{
			name: "empty file",
			in:   input{file: "# nothing\n"},
			want: defaultConfig,
		},
		{
			name: "null values and empty sections keep defaults",
			in:   input{file: "listen:\nlog:\ndiscovery: {}\n"},
			want: defaultConfig,
		},
		{
			name: "every key from the file",
			in:   input{file: fullFile},
			want: fromFile,
		},
		{
			name: "keys are case-insensitive",
			in:   input{file: "Name: carol\nLOG:\n  Level: warn\n"},
			want: func() *Config {
				c := defaultConfig()
				c.Name, c.Log.Level = "carol", "warn"
				return c
			},
		},
		{
			name: "advertise follows listen",
			in:   input{file: "listen: 10.0.0.1:7000\n"},
			want: func() *Config {
				c := defaultConfig()
				c.Listen, c.Advertise = "10.0.0.1:7000", "10.0.0.1:7000"
				return c
			},
		},
		{
			name: "listen on port 0 with advertise",
			in:   input{file: "listen: 127.0.0.1:0\nadvertise: 127.0.0.1:7000\n"},
			want: func() *Config {
				c := defaultConfig()
				c.Listen, c.Advertise = "127.0.0.1:0", "127.0.0.1:7000"
				return c
			},
		},
		{
			name: "env over file",
			in: input{file: fullFile, env: []string{
				"HOME=/home/x", // not ours, ignored
				"RINGD_NAME=eve",
				"RINGD_LOG_LEVEL=warn",
				"RINGD_DATA_DIR=/d",
				"RINGD_DISCOVERY_ENABLED=false",
				"RINGD_JOIN=b.example:1, c.example:2,",
				"RINGD_FAILURE_TIMEOUT=3s",
				"RINGD_SECRET_FILE=", // empty counts as unset
				"RINGD_HISTORY_RETAIN_COUNT=0",
				"RINGD_HISTORY_RETAIN_AGE=0",
			}},
			want: func() *Config {
				c := fromFile()
				c.Name, c.Log.Level, c.DataDir = "eve", "warn", "/d"
				c.Discovery.Enabled = false
				c.Join = []string{"b.example:1", "c.example:2"}
				c.FailureTimeout = 3 * time.Second
				c.History = node.History{}
				return c
			},
		},
		{
			name: "flag over env",
			in: input{
				file: fullFile,
				env: []string{
					"RINGD_NAME=eve", "RINGD_LOG_LEVEL=warn", "RINGD_JOIN=b.example:1",
					"RINGD_HISTORY_RETAIN_COUNT=7", "RINGD_HISTORY_RETAIN_AGE=1h",
				},
				args: []string{
					"--name=frank", "--join", "d.example:1,e.example:2", "--join=f.example:3",
					"--discovery-enabled=false", "--heartbeat-interval=50ms", "--metrics-listen=",
					"--history-retain-count=42", "--history-retain-age=0s",
				},
			},
			want: func() *Config {
				c := fromFile()
				c.Name, c.Log.Level = "frank", "warn"
				c.Join = []string{"d.example:1", "e.example:2", "f.example:3"}
				c.Discovery.Enabled = false
				c.HeartbeatInterval = 50 * time.Millisecond
				c.Metrics.Listen = ""
				c.History = node.History{RetainCount: 42}
				return c
			},
		},
		{
			name: "every flag",
			in: input{args: []string{
				"--name=gus", "--listen=[::1]:1", "--advertise=[::1]:2", "--socket=s", "--data-dir=d",
				"--join=h:3", "--heartbeat-interval=1s", "--failure-timeout=1m", "--discovery-enabled",
				"--discovery-group=224.0.0.9:9", "--discovery-interface=eth9",
				"--secret-file=sf", "--metrics-listen=:9", "--log-level=error", "--log-format=text",
				"--log-file=lf", "--history-retain-count", "0", "--history-retain-age=90m",
				"--limits-max-frame=4194304", "--limits-max-text=16384", "--limits-max-name=128",
				"--limits-handshakes=1", "--limits-join-rate=100", "--limits-join-burst=1", "--limits-peer-queue=64",
				"--members-reap-after=90s",
			}},
			want: func() *Config {
				return &Config{
					Settings: node.Settings{Name: "gus", Listen: "[::1]:1", Advertise: "[::1]:2", DataDir: "d", Join: []string{"h:3"}, HeartbeatInterval: time.Second, FailureTimeout: time.Minute, History: node.History{RetainCount: 0, RetainAge: 90 * time.Minute}, Members: node.Members{ReapAfter: 90 * time.Second}, Limits: node.Limits{
						MaxFrame: 4 << 20, MaxText: 16384, MaxName: 128, Handshakes: 1, JoinRate: 100, JoinBurst: 1, PeerQueue: 64,
					}},
					Socket:     "s",
					Discovery:  Discovery{Enabled: true, Group: "224.0.0.9:9", Interface: "eth9"},
					SecretFile: "sf",
					Metrics:    Metrics{Listen: ":9"},
					Log:        Log{Level: "error", Format: "text", File: "lf"},
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, path, err := load(t, tt.in)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := tt.want()
			want.File = path
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	tests := []struct {
		name string
		in   input
		want node.History
	}{
		{"default", input{}, node.History{RetainCount: 100000}},
		{"empty section", input{file: "history:\n"}, node.History{RetainCount: 100000}},
		{"file count zero", input{file: "history:\n  retain_count: 0\n"}, node.History{}},
		{"file count", input{file: "history:\n  retain_count: 250\n"}, node.History{RetainCount: 250}},
		{"file count as digits string", input{file: "history:\n  retain_count: \"250\"\n"}, node.History{RetainCount: 250}},
		{"file count null keeps default", input{file: "history:\n  retain_count:\n"}, node.History{RetainCount: 100000}},
		{"file age", input{file: "history:\n  retain_age: 720h\n"}, node.History{RetainCount: 100000, RetainAge: 720 * time.Hour}},
		{"file age 0s", input{file: "history:\n  retain_age: 0s\n"}, node.History{RetainCount: 100000}},
		{"file age bare 0", input{file: "history:\n  retain_age: 0\n"}, node.History{RetainCount: 100000}},
		{"file age string 0", input{file: "history:\n  retain_age: \"0\"\n"}, node.History{RetainCount: 100000}},
		{"file flow mapping", input{file: "history: {retain_count: 1, retain_age: 1m}\n"}, node.History{RetainCount: 1, RetainAge: time.Minute}},
		{"env count", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=12"}}, node.History{RetainCount: 12, RetainAge: 0}},
		{"env count leading zeros", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=0012"}}, node.History{RetainCount: 12}},
		{"env count zero", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=0"}}, node.History{}},
		{"env age", input{env: []string{"RINGD_HISTORY_RETAIN_AGE=36h"}}, node.History{RetainCount: 100000, RetainAge: 36 * time.Hour}},
		{"env age zero", input{env: []string{"RINGD_HISTORY_RETAIN_AGE=0"}}, node.History{RetainCount: 100000}},
		{"env empty keeps file", input{file: "history:\n  retain_count: 5\n", env: []string{"RINGD_HISTORY_RETAIN_COUNT="}},
			node.History{RetainCount: 5}},
		{"env over file", input{
			file: "history:\n  retain_count: 5\n  retain_age: 1h\n",
			env:  []string{"RINGD_HISTORY_RETAIN_COUNT=6", "RINGD_HISTORY_RETAIN_AGE=2h"},
		}, node.History{RetainCount: 6, RetainAge: 2 * time.Hour}},
		{"flag count", input{args: []string{"--history-retain-count=3"}}, node.History{RetainCount: 3}},
		{"flag count separate", input{args: []string{"--history-retain-count", "1000000"}}, node.History{RetainCount: 1000000}},
		{"flag age", input{args: []string{"--history-retain-age=24h"}}, node.History{RetainCount: 100000, RetainAge: 24 * time.Hour}},
		{"flag over env and file", input{
			file: "history:\n  retain_count: 5\n  retain_age: 1h\n",
			env:  []string{"RINGD_HISTORY_RETAIN_COUNT=6", "RINGD_HISTORY_RETAIN_AGE=2h"},
			args: []string{"--history-retain-count=0", "--history-retain-age=0"},
		}, node.History{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := load(t, tt.in)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.History != tt.want {
				t.Errorf("node.History = %+v, want %+v", c.History, tt.want)
			}
		})
	}
}

func TestSearchPaths(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.yaml"), filepath.Join(dir, "second.yaml")
	if err := os.WriteFile(second, []byte("name: second\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{SearchPaths: []string{first, second}}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != second || c.Name != "second" {
		t.Errorf("read %q, name %q; want %q, second", c.File, c.Name, second)
	}

	if err := os.WriteFile(first, []byte("name: first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = Load(opts); err != nil {
		t.Fatal(err)
	}
	if c.File != first || c.Name != "first" {
		t.Errorf("read %q, name %q; want %q, first", c.File, c.Name, first)
	}

	// A default file that exists but cannot be read is an error, not skipped.
	if err := os.Mkdir(filepath.Join(dir, "dir.yaml"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = Load(Options{SearchPaths: []string{filepath.Join(dir, "dir.yaml"), second}})
	var ce *Error
	if !errors.As(err, &ce) || ce.Source != filepath.Join(dir, "dir.yaml") {
		t.Errorf("Load with a directory as config file: %v", err)
	}
}

func TestMissingConfigFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(Options{File: path})
	want := "config " + path + ": cannot read config file: no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v, want %s", err, want)
	}
}

func TestErrors(t *testing.T) {
	const fileSource = "<file>"
	tests := []struct {
		name   string
		in     input
		source string // fileSource stands for the temporary file's path
		key    string
		want   []string // substrings of Error()
	}{
		{"invalid YAML", input{file: "name: [unclosed\n"}, fileSource, "", []string{"invalid YAML", "line"}},
		{"not a mapping", input{file: "- a\n- b\n"}, fileSource, "", []string{"invalid YAML"}},
		{"duplicate key", input{file: "name: a\nname: b\n"}, fileSource, "", []string{"invalid YAML", `"name" already defined`}},
		{"unknown key", input{file: "colour: red\n"}, fileSource, "colour", []string{"unknown key"}},
		{"unknown key suggestion", input{file: "hearbeat_interval: 1s\n"}, fileSource, "hearbeat_interval",
			[]string{`unknown key (did you mean "heartbeat_interval"?)`}},
		{"dashed key suggestion", input{file: "data-dir: /x\n"}, fileSource, "data-dir", []string{`did you mean "data_dir"?`}},
		{"key outside its section", input{file: "level: debug\n"}, fileSource, "level", []string{`did you mean "log.level"?`}},
		{"unknown nested key", input{file: "log:\n  colour: true\n"}, fileSource, "log.colour",
			[]string{"unknown key", "known keys under log: level, format, file"}},
		{"unknown nested key suggestion", input{file: "discovery:\n  enable: true\n"}, fileSource, "discovery.enable",
			[]string{`did you mean "discovery.enabled"?`}},
		{"unknown deep key", input{file: "metrics:\n  tls:\n    cert: x\n"}, fileSource, "metrics.tls.cert", []string{"unknown key"}},
		{"section as scalar", input{file: "log: debug\n"}, fileSource, "log",
			[]string{`expected a mapping with keys level, format, file, got "debug"`}},
		{"key as mapping", input{file: "name:\n  first: a\n"}, fileSource, "name", []string{"expected a string, got a mapping"}},
		{"number for string", input{file: "listen: 7733\n"}, fileSource, "listen", []string{"expected a string, got number 7733 (quote it"}},
		{"timestamp for string", input{file: "name: 2024-01-01\n"}, fileSource, "name", []string{"got timestamp", "quote it"}},
		{"empty key", input{file: "'': x\n"}, fileSource, "", []string{"empty key"}},
		{"join as number", input{file: "join: 5\n"}, fileSource, "join", []string{"expected a list, got number 5"}},
		{"join as string", input{file: "join: a:1\n"}, fileSource, "join", []string{"expected a list such as"}},
		{"join item number", input{file: "join: [a:1, 7]\n"}, fileSource, "join", []string{"item 1: expected a string, got number 7"}},
		{"join item null", input{file: "join: [~]\n"}, fileSource, "join", []string{"item 0: expected a string, got null"}},
		{"bool as word", input{file: "discovery:\n  enabled: maybe\n"}, fileSource, "discovery.enabled",
			[]string{`expected true or false, got "maybe"`}},
		{"bool as quoted string", input{file: "discovery:\n  enabled: \"true\"\n"}, fileSource, "discovery.enabled",
			[]string{"expected true or false"}},
		{"bool from env", input{env: []string{"RINGD_DISCOVERY_ENABLED=maybe"}}, "env RINGD_DISCOVERY_ENABLED",
			"discovery.enabled", []string{`expected true or false, got "maybe"`}},
		{"group not multicast", input{file: "discovery:\n  group: 10.0.0.1:7734\n"}, fileSource, "discovery.group",
			[]string{`"10.0.0.1" is not an IPv4 multicast address`}},
		{"group without port", input{env: []string{"RINGD_DISCOVERY_GROUP=239.255.77.33"}}, "env RINGD_DISCOVERY_GROUP",
			"discovery.group", []string{"not host:port"}},
		{"interface with a slash", input{args: []string{"--discovery-interface=eth0/1"}}, "flag --discovery-interface",
			"discovery.interface", []string{"not a network interface name"}},
		{"interface too long", input{file: "discovery:\n  interface: abcdefghijklmnop\n"}, fileSource, "discovery.interface",
			[]string{"longer than 15 bytes"}},
		{"malformed duration", input{file: "heartbeat_interval: 2x\n"}, fileSource, "heartbeat_interval",
			[]string{`invalid duration "2x" (examples: 200ms, 1s)`}},
		{"duration without unit", input{file: "heartbeat_interval: 200\n"}, fileSource, "heartbeat_interval",
			[]string{"invalid duration 200: a unit is required"}},
		{"duration as list", input{file: "failure_timeout: [1s]\n"}, fileSource, "failure_timeout",
			[]string{"expected a duration"}},
		{"zero duration", input{file: "heartbeat_interval: 0s\n"}, fileSource, "heartbeat_interval",
			[]string{`duration must be positive, got "0s"`}},
		{"negative duration from env", input{env: []string{"RINGD_FAILURE_TIMEOUT=-1s"}}, "env RINGD_FAILURE_TIMEOUT",
			"failure_timeout", []string{"must be positive"}},
		{"malformed duration in file under env", input{file: "heartbeat_interval: 2x\n", env: []string{"RINGD_HEARTBEAT_INTERVAL=1s"}},
			fileSource, "heartbeat_interval", []string{`invalid duration "2x"`}},
		{"malformed duration from flag", input{args: []string{"--heartbeat-interval=abc"}}, "flag --heartbeat-interval",
			"heartbeat_interval", []string{`invalid duration "abc"`}},
		{"zero heartbeat from env", input{env: []string{"RINGD_HEARTBEAT_INTERVAL=0"}}, "env RINGD_HEARTBEAT_INTERVAL",
			"heartbeat_interval", []string{`duration must be positive, got "0"`}},
		{"retain_count negative", input{file: "history:\n  retain_count: -1\n"}, fileSource, "history.retain_count",
			[]string{"must be a whole number >= 0, got number -1"}},
		{"retain_count exponent", input{file: "history:\n  retain_count: 1e5\n"}, fileSource, "history.retain_count",
			[]string{"must be a whole number >= 0, got floating-point number 100000", "digits only"}},
		{"retain_count fraction", input{file: "history:\n  retain_count: 1.5\n"}, fileSource, "history.retain_count",
			[]string{"must be a whole number >= 0, got floating-point number 1.5"}},
		{"retain_count word", input{file: "history:\n  retain_count: abc\n"}, fileSource, "history.retain_count",
			[]string{`must be a whole number >= 0, got "abc"`}},
		{"retain_count quoted exponent", input{file: "history:\n  retain_count: \"1e5\"\n"}, fileSource, "history.retain_count",
			[]string{`must be a whole number >= 0, got "1e5"`}},
		{"retain_count quoted negative", input{file: "history:\n  retain_count: \"-1\"\n"}, fileSource, "history.retain_count",
			[]string{`must be a whole number >= 0, got "-1"`}},
		{"retain_count empty string", input{file: "history:\n  retain_count: ''\n"}, fileSource, "history.retain_count",
			[]string{`must be a whole number >= 0, got ""`}},
		{"retain_count bool", input{file: "history:\n  retain_count: true\n"}, fileSource, "history.retain_count",
			[]string{"must be a whole number >= 0, got boolean true"}},
		{"retain_count list", input{file: "history:\n  retain_count: [1]\n"}, fileSource, "history.retain_count",
			[]string{"must be a whole number >= 0, got a list"}},
		{"retain_count too large", input{file: "history:\n  retain_count: 99999999999999999999\n"}, fileSource,
			"history.retain_count", []string{"too large"}},
		{"retain_count too large uint", input{file: "history:\n  retain_count: 18446744073709551615\n"}, fileSource,
			"history.retain_count", []string{"too large"}},
		{"retain_count negative from env", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=-1"}}, "env RINGD_HISTORY_RETAIN_COUNT",
			"history.retain_count", []string{`must be a whole number >= 0, got "-1"`}},
		{"retain_count exponent from env", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=1e5"}}, "env RINGD_HISTORY_RETAIN_COUNT",
			"history.retain_count", []string{`must be a whole number >= 0, got "1e5"`}},
		{"retain_count word from env", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=abc"}}, "env RINGD_HISTORY_RETAIN_COUNT",
			"history.retain_count", []string{`got "abc"`}},
		{"retain_count signed from env", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=+5"}}, "env RINGD_HISTORY_RETAIN_COUNT",
			"history.retain_count", []string{`got "+5"`}},
		{"retain_count spaced from env", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT= 5"}}, "env RINGD_HISTORY_RETAIN_COUNT",
			"history.retain_count", []string{`got " 5"`}},
		{"retain_count too large from env", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=99999999999999999999"}},
			"env RINGD_HISTORY_RETAIN_COUNT", "history.retain_count", []string{"too large"}},
		{"retain_count negative from flag", input{args: []string{"--history-retain-count=-1"}}, "flag --history-retain-count",
			"history.retain_count", []string{`must be a whole number >= 0, got "-1"`}},
		{"retain_count exponent from flag", input{args: []string{"--history-retain-count=1e5"}}, "flag --history-retain-count",
			"history.retain_count", []string{`got "1e5"`}},
		{"retain_count word from flag", input{args: []string{"--history-retain-count", "abc"}}, "flag --history-retain-count",
			"history.retain_count", []string{`got "abc"`}},
		{"retain_count empty from flag", input{args: []string{"--history-retain-count="}}, "flag --history-retain-count",
			"history.retain_count", []string{`got ""`}},
		{"retain_count in file under env", input{file: "history:\n  retain_count: -1\n", env: []string{"RINGD_HISTORY_RETAIN_COUNT=5"}},
			fileSource, "history.retain_count", []string{"got number -1"}},
		{"retain_count from env under flag", input{env: []string{"RINGD_HISTORY_RETAIN_COUNT=x"}, args: []string{"--history-retain-count=5"}},
			"env RINGD_HISTORY_RETAIN_COUNT", "history.retain_count", []string{`got "x"`}},
		{"retain_age negative", input{file: "history:\n  retain_age: -1h\n"}, fileSource, "history.retain_age",
			[]string{`duration must not be negative, got "-1h"`}},
		{"retain_age without unit", input{file: "history:\n  retain_age: 720\n"}, fileSource, "history.retain_age",
			[]string{"invalid duration 720: a unit is required"}},
		{"retain_age negative number", input{file: "history:\n  retain_age: -1\n"}, fileSource, "history.retain_age",
			[]string{"a unit is required"}},
		{"retain_age malformed", input{file: "history:\n  retain_age: 30d\n"}, fileSource, "history.retain_age",
			[]string{`invalid duration "30d"`}},
		{"retain_age negative from env", input{env: []string{"RINGD_HISTORY_RETAIN_AGE=-5m"}}, "env RINGD_HISTORY_RETAIN_AGE",
			"history.retain_age", []string{"must not be negative"}},
		{"retain_age malformed from env", input{env: []string{"RINGD_HISTORY_RETAIN_AGE=week"}}, "env RINGD_HISTORY_RETAIN_AGE",
			"history.retain_age", []string{`invalid duration "week"`}},
		{"retain_age negative from flag", input{args: []string{"--history-retain-age=-1s"}}, "flag --history-retain-age",
			"history.retain_age", []string{"must not be negative"}},
		{"retain_age malformed from flag", input{args: []string{"--history-retain-age=abc"}}, "flag --history-retain-age",
			"history.retain_age", []string{`invalid duration "abc"`}},
		{"history as scalar", input{file: "history: 100\n"}, fileSource, "history",
			[]string{"expected a mapping with keys retain_count, retain_age, got number 100"}},
		{"unknown history key", input{file: "history:\n  max: 5\n"}, fileSource, "history.max",
			[]string{"unknown key", "known keys under history: retain_count, retain_age"}},
		{"history key outside its section", input{file: "retain_count: 5\n"}, fileSource, "retain_count",
			[]string{`did you mean "history.retain_count"?`}},
		{"unknown history env", input{env: []string{"RINGD_HISTORY_RETAIN=5"}}, "env RINGD_HISTORY_RETAIN", "",
			[]string{"unknown variable"}},
		{"timeout not above heartbeat", input{file: "failure_timeout: 200ms\n"}, fileSource, "failure_timeout",
			[]string{"failure_timeout (200ms) must be greater than heartbeat_interval (200ms)"}},
		{"heartbeat above default timeout", input{env: []string{"RINGD_HEARTBEAT_INTERVAL=2s"}}, "env RINGD_HEARTBEAT_INTERVAL",
			"heartbeat_interval", []string{"must be greater than"}},
		{"listen without port", input{file: "listen: localhost\n"}, fileSource, "listen",
			[]string{`invalid address "localhost": missing port in address`}},
		{"listen port not numeric", input{file: "listen: localhost:http\n"}, fileSource, "listen",
			[]string{`port "http" is not a number from 0 to 65535`}},
		{"listen port too big", input{env: []string{"RINGD_LISTEN=127.0.0.1:65536"}}, "env RINGD_LISTEN", "listen",
			[]string{"not a number from 0 to 65535"}},
		{"listen port signed", input{args: []string{"--listen=127.0.0.1:+80"}}, "flag --listen", "listen",
			[]string{"not a number"}},
		{"listen unspecified without advertise", input{file: "listen: 0.0.0.0:7733\n"}, fileSource, "advertise",
			[]string{`listen "0.0.0.0:7733" is not an address peers can dial`, "set advertise"}},
		{"listen empty host without advertise", input{env: []string{"RINGD_LISTEN=:7733"}}, "env RINGD_LISTEN", "advertise",
			[]string{"set advertise"}},
		{"listen any host port 0 without advertise", input{file: "listen: 0.0.0.0:0\n"}, fileSource, "advertise",
			[]string{"set advertise"}},
		{"advertise unspecified", input{file: "advertise: '[::]:7733'\n"}, fileSource, "advertise",
			[]string{"unspecified host ::"}},
		{"advertise port 0", input{args: []string{"--advertise=a.example:0"}}, "flag --advertise", "advertise",
			[]string{"port 0"}},
		{"advertise no host", input{file: "advertise: :7733\n"}, fileSource, "advertise", []string{"has no host"}},
		{"join port 0", input{file: "join: [a:1, b:0]\n"}, fileSource, "join", []string{`entry 1: address "b:0" has port 0`}},
		{"join malformed from env", input{env: []string{"RINGD_JOIN=a:1,b"}}, "env RINGD_JOIN", "join",
			[]string{`entry 1: invalid address "b"`}},
		{"join malformed from flag", input{args: []string{"--join=x"}}, "flag --join", "join", []string{"invalid address"}},
		{"metrics malformed", input{file: "metrics:\n  listen: nope\n"}, fileSource, "metrics.listen", []string{"invalid address"}},
		{"log level", input{file: "log:\n  level: verbose\n"}, fileSource, "log.level",
			[]string{`"verbose" is not one of debug, info, warn, error`}},
		{"log level from env", input{env: []string{"RINGD_LOG_LEVEL=trace"}}, "env RINGD_LOG_LEVEL", "log.level",
			[]string{"not one of"}},
		{"log format", input{args: []string{"--log-format=xml"}}, "flag --log-format", "log.format",
			[]string{`"xml" is not one of auto, text, json`}},
		{"empty name", input{file: "name: ''\n"}, fileSource, "name", []string{"must not be empty"}},
		{"long name", input{env: []string{"RINGD_NAME=" + strings.Repeat("x", 65)}}, "env RINGD_NAME", "name",
			[]string{"65 bytes long, the maximum is 64"}},
		{"control in name", input{file: "name: \"a\\tb\"\n"}, fileSource, "name", []string{"control characters"}},
		{"invalid UTF-8 name", input{env: []string{"RINGD_NAME=a\xffb"}}, "env RINGD_NAME", "name", []string{"not valid UTF-8"}},
		{"empty socket", input{file: "socket: ''\n"}, fileSource, "socket", []string{"must not be empty"}},
		{"empty data_dir", input{args: []string{"--data-dir="}}, "flag --data-dir", "data_dir", []string{"must not be empty"}},
		{"unknown env", input{env: []string{"RINGD_COLOUR=red"}}, "env RINGD_COLOUR", "", []string{"unknown variable"}},
		{"unknown env suggestion", input{env: []string{"RINGD_LOG_LEVL=debug"}}, "env RINGD_LOG_LEVL", "",
			[]string{"unknown variable (did you mean RINGD_LOG_LEVEL?)"}},
		{"unknown empty env", input{env: []string{"RINGD_X="}}, "env RINGD_X", "", []string{"unknown variable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, path, err := load(t, tt.in)
			if err == nil {
				t.Fatalf("Load succeeded with %+v", c)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load error %T is not *Error: %v", err, err)
			}
			source := tt.source
			if source == fileSource {
				source = path
			}
			if ce.Source != source || ce.Key != tt.key {
				t.Errorf("error source %q key %q, want %q %q: %v", ce.Source, ce.Key, source, tt.key, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config "+source+": ") {
				t.Errorf("error %q does not start with the source", msg)
			}
			if tt.key != "" && !strings.Contains(msg, `key "`+tt.key+`"`) {
				t.Errorf("error %q does not name the key", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Source: "/etc/ringd/ringd.yaml", Key: "heartbeat_interval", Problem: `invalid duration "2x" (examples: 200ms, 1s)`}
	want := `config /etc/ringd/ringd.yaml: key "heartbeat_interval": invalid duration "2x" (examples: 200ms, 1s)`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
}

func TestBindFlags(t *testing.T) {
	fs := pflag.NewFlagSet("ringd run", pflag.ContinueOnError)
	BindFlags(fs)
	for _, k := range keys {
		f := fs.Lookup(k.flag())
		if f == nil {
			t.Errorf("no flag --%s for key %s", k.flag(), k.name)
			continue
		}
		if !strings.Contains(f.Usage, "$"+k.env()) {
			t.Errorf("usage of --%s does not mention %s", k.flag(), k.env())
		}
	}
	for flag, want := range map[string]string{
		"heartbeat-interval":   "duration",
		"history-retain-age":   "duration",
		"history-retain-count": "int",
	} {
		if got := fs.Lookup(flag).Value.Type(); got != want {
			t.Errorf("--%s has type %q, want %s", flag, got, want)
		}
	}
	if fs.Lookup("data-dir") == nil || fs.Lookup("discovery-enabled") == nil || fs.Lookup("log-level") == nil {
		t.Error("flag names do not follow the documented spelling")
	}
}

func TestNamesDerived(t *testing.T) {
	for name, want := range map[string][2]string{
		"data_dir":             {"RINGD_DATA_DIR", "data-dir"},
		"discovery.enabled":    {"RINGD_DISCOVERY_ENABLED", "discovery-enabled"},
		"log.level":            {"RINGD_LOG_LEVEL", "log-level"},
		"history.retain_count": {"RINGD_HISTORY_RETAIN_COUNT", "history-retain-count"},
	} {
		k := key{name: name}
		if k.env() != want[0] || k.flag() != want[1] {
			t.Errorf("%s: env %s flag %s, want %v", name, k.env(), k.flag(), want)
		}
	}
}

func TestListenPortZeroAdvertisesBoundAddress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ringd.yaml")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:0" || c.Advertise != "" {
		t.Fatalf("listen %q advertise %q, want advertise empty (derived at bind time)", c.Listen, c.Advertise)
	}
}
