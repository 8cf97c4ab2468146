package secure

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSecret(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyStringRoundTrip(t *testing.T) {
	k := mustKey(t)
	got, err := ParseKey(k.String() + "\n")
	if err != nil || got != k {
		t.Fatalf("ParseKey(String()) = %v, %v", got, err)
	}
	if k2 := mustKey(t); k2 == k {
		t.Fatal("two new keys are equal")
	}
}

func TestLoadKeys(t *testing.T) {
	a, b := mustKey(t), mustKey(t)
	p := writeSecret(t, "# new key first\n"+a.String()+"\n\n  "+b.String()+"  \n", 0o600)
	keys, err := LoadKeys(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != a || keys[1] != b {
		t.Fatalf("keys %v", keys)
	}
}

func TestLoadKeysErrors(t *testing.T) {
	good := mustKey(t).String()
	for _, tc := range []struct {
		name, body string
		mode       os.FileMode
		want       string
	}{
		{"world readable", good, 0o644, "chmod 600"},
		{"empty", "# nothing\n", 0o600, "holds no key"},
		{"not base64", "not a key!\n", 0o600, "line 1: not base64"},
		{"short", "c2hvcnQ=\n", 0o640, "line 1: 5 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadKeys(writeSecret(t, tc.body, tc.mode))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to say %q", err, tc.want)
			}
		})
	}
	if _, err := LoadKeys(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing file loaded")
	}
}
