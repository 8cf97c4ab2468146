package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/protocol/secure"
)

func TestKeygenPrintsAFreshKey(t *testing.T) {
	var keys []string
	for range 2 {
		var out, errb bytes.Buffer
		if code := execute(context.Background(), []string{"keygen"}, cli.Streams{Out: &out, Err: &errb}); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if _, err := secure.ParseKey(out.String()); err != nil {
			t.Fatalf("keygen printed %q: %v", out.String(), err)
		}
		keys = append(keys, out.String())
	}
	if keys[0] == keys[1] {
		t.Fatal("two runs printed the same key")
	}
}

func TestKeygenWritesPrivateFileOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret")
	var out, errb bytes.Buffer
	if code := execute(context.Background(), []string{"keygen", "-o", p}, cli.Streams{Out: &out, Err: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	keys, err := secure.LoadKeys(p) // refuses files others can read
	if err != nil || len(keys) != 1 {
		t.Fatalf("LoadKeys: %v, %v", keys, err)
	}
	before, _ := os.ReadFile(p)
	errb.Reset()
	if code := execute(context.Background(), []string{"keygen", "-o", p}, cli.Streams{Out: &out, Err: &errb}); code != 2 {
		t.Fatalf("second keygen -o on the same file: exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "refusing to overwrite") {
		t.Errorf("stderr %q", errb.String())
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
		t.Fatal("the secret was overwritten")
	}
}
