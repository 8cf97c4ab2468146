package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as a config file. Load may
// reject them but must not panic, and what it accepts must be valid.
func FuzzLoad(f *testing.F) {
	if data, err := os.ReadFile(defaultFile); err == nil {
		f.Add(data)
	}
	f.Add([]byte(fullFile))
	f.Add([]byte("log: {level: debug, colour: red}\n"))
	f.Add([]byte("join: [a:1, 2, ~, [x]]\nname: {a: b}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("history: {retain_count: -1e5, retain_age: 0}\n"))
	f.Add([]byte("? [a, b]\n: c\n1: 2\n"))

	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "ringd.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Options{File: path, Environ: []string{}})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		if c.Name == "" || c.Socket == "" || c.DataDir == "" || c.FailureTimeout <= c.HeartbeatInterval ||
			c.History.RetainCount < 0 || c.History.RetainAge < 0 {
			t.Fatalf("Load accepted an invalid config: %+v", c)
		}
	})
}
