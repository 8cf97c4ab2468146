package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

func TestEffectiveNamesEachSource(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ringd.yaml")
	if err := os.WriteFile(file, []byte("name: alice\nheartbeat_interval: 100ms\njoin: [10.0.0.1:7733, 10.0.0.2:7733]\nlog:\n  level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	BindFlags(fs)
	if err := fs.Parse([]string{"--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	opts := Options{File: file, Flags: fs, Environ: []string{"RINGD_LISTEN=127.0.0.1:7800"}}
	c, settings, err := LoadEffective(opts)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := Load(opts); err != nil || !reflect.DeepEqual(plain, c) {
		t.Fatalf("Load gives %+v, %v; LoadEffective %+v", plain, err, c)
	}
	got := map[string]Setting{}
	for _, s := range settings {
		got[s.Key] = s
	}
	if len(got) != len(keys) {
		t.Fatalf("%d settings, want one for each of the %d keys", len(got), len(keys))
	}
	for _, want := range []Setting{
		{"name", "alice", file},
		{"heartbeat_interval", "100ms", file},
		{"join", "10.0.0.1:7733,10.0.0.2:7733", file},
		{"listen", "127.0.0.1:7800", "env RINGD_LISTEN"},
		{"log.level", "warn", "flag --log-level"}, // the flag wins over the file
		{"failure_timeout", "1s", "default"},
		{"advertise", "127.0.0.1:7800", "default"}, // derived from listen
		{"limits.max_text", "4096", "default"},
	} {
		if g := got[want.Key]; g != want {
			t.Errorf("%s: got %+v, want %+v", want.Key, g, want)
		}
	}
}
