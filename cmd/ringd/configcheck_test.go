package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestConfigCheckPrintsEachSettingWithItsSource(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ringd.yaml")
	if err := os.WriteFile(file, []byte("name: alice\nhistory:\n  retain_count: 500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RINGD_LISTEN", "127.0.0.1:7801")
	out, errs, code := runRingd(t, "config", "check", "-c", file, "--log-level", "debug")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "config OK ("+file+")\n") {
		t.Errorf("first line of %q", out)
	}
	for _, row := range []string{
		`name\s+alice\s+` + regexp.QuoteMeta(file),
		`history\.retain_count\s+500\s+` + regexp.QuoteMeta(file),
		`listen\s+127\.0\.0\.1:7801\s+env RINGD_LISTEN`,
		`log\.level\s+debug\s+flag --log-level`,
		`failure_timeout\s+1s\s+default`,
		`join\s+-\s+default`,
	} {
		if !regexp.MustCompile(`(?m)^` + row + `$`).MatchString(out) {
			t.Errorf("no line matching %q in:\n%s", row, out)
		}
	}
}

func TestConfigCheckFailsAsRunDoes(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, yaml string }{
		{"bad value", "heartbeat_interval: 2x\n"},
		{"unknown key", "lissen: 127.0.0.1:7733\n"},
		{"no secret file", "secret_file: " + filepath.Join(dir, "missing") + "\n"},
		{"timeouts", "heartbeat_interval: 2s\nfailure_timeout: 1s\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".yaml")
			if err := os.WriteFile(file, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			out, errs, code := runRingd(t, "config", "check", "-c", file)
			if code != 2 || out != "" || errs == "" {
				t.Fatalf("config check: exit %d, stdout %q, stderr %q; want exit 2 and an error only", code, out, errs)
			}
			// The same file must stop run before it starts anything, with the same words.
			_, runErrs, runCode := runRingd(t, "run", "-c", file, "--socket", filepath.Join(dir, "s.sock"), "--data-dir", filepath.Join(dir, "data"))
			if runCode != 2 || runErrs != errs {
				t.Fatalf("run: exit %d, stderr %q; config check said %q", runCode, runErrs, errs)
			}
		})
	}
}
