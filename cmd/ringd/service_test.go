package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kardianos/service"
	"github.com/ringchat/ring/internal/cli"
)

func TestServiceNameValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ringd", true},
		{"ringd-a", true},
		{"ringd_b.2", true},
		{"ringd@east", true},
		{"9lives", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{".", false},
		{"..", false},
		{"-x", false},
		{".hidden", false},
		{"a/b", false},
		{"a b", false},
		{"a;rm", false},
		{"a$b", false},
		{"ringd\n", false},
		{"ré", false},
	} {
		err := validateServiceName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("validateServiceName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && exitCode(err) != cli.ExitUsage {
			t.Errorf("validateServiceName(%q): exit code %d, want %d", tc.name, exitCode(err), cli.ExitUsage)
		}
	}
}

func TestServiceArgs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("name: x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("ringd.yaml")
	spaced := write("my ringd.yaml")
	dollar := write("$HOME.yaml")
	t.Chdir(dir)

	for _, tc := range []struct {
		desc, file string
		want       []string // nil: a usage error
	}{
		{"no -c searches the defaults", "", []string{"run"}},
		{"absolute file", plain, []string{"run", "-c", plain}},
		{"relative file made absolute", "ringd.yaml", []string{"run", "-c", plain}},
		{"dot path cleaned", "./sub/../ringd.yaml", []string{"run", "-c", plain}},
		{"spaces are fine", "my ringd.yaml", []string{"run", "-c", spaced}},
		{"missing file", "nope.yaml", nil},
		{"directory", dir, nil},
		{"unquotable character", dollar, nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := serviceArgs(tc.file)
			if tc.want == nil {
				if err == nil || exitCode(err) != cli.ExitUsage {
					t.Fatalf("serviceArgs(%q) = %q, %v; want a usage error", tc.file, got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("serviceArgs(%q) = %q, %v; want %q", tc.file, got, err, tc.want)
			}
		})
	}
}

func TestServiceConfig(t *testing.T) {
	args := []string{"run", "-c", "/etc/ringd/a.yaml"}
	for _, platform := range []string{sysvPlatform, "linux-systemd", "linux-procd", "darwin-launchd"} {
		c := serviceConfig("ringd-a", "/usr/bin/ringd", args, platform)
		if c.Name != "ringd-a" || c.DisplayName != "ringd-a" || c.Executable != "/usr/bin/ringd" || !slices.Equal(c.Arguments, args) {
			t.Errorf("%s: config %+v", platform, c)
		}
		script, set := c.Option["SysvScript"].(string)
		if set != (platform == sysvPlatform) {
			t.Errorf("%s: SysvScript set = %v", platform, set)
		}
		if set && !strings.Contains(script, sysvMarker) {
			t.Errorf("%s: script lacks the marker %q", platform, sysvMarker)
		}
	}
}

// The embedded script is a shell script that names its maker on its second
// line, where state() looks for sysvMarker.
func TestServiceSysvScriptHeader(t *testing.T) {
	want := "#!/bin/sh\n" + sysvMarker + "; remove with `ringd uninstall --name {{DisplayName}}`.\n"
	if !strings.HasPrefix(sysvScript, want) || !strings.HasSuffix(sysvScript, "esac\n") {
		t.Fatalf("script starts %q, want %q, and ends %q", sysvScript[:min(len(sysvScript), len(want))], want, sysvScript[max(0, len(sysvScript)-10):])
	}
}

// TestServiceSysvScriptKeys guards the template against keys kardianos' SysV
// backend does not render, which would fail only at install time.
func TestServiceSysvScriptKeys(t *testing.T) {
	known := []string{"Description", "DisplayName", "Path", "Arguments", "WorkingDirectory", "LogDirectory", "EnvVars", "."}
	rest := sysvScript
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			t.Fatal("unclosed {{")
		}
		action := strings.Fields(strings.NewReplacer("|", " ").Replace(rest[i+2 : i+j]))
		rest = rest[i+j+2:]
		if len(action) == 0 {
			t.Fatal("empty action")
		}
		key := action[0]
		if key == "if" || key == "range" {
			key = action[1]
		}
		if key != "else" && key != "end" && !slices.Contains(known, key) {
			t.Errorf("unknown template key %q", key)
		}
	}
}

func exitErr(t *testing.T, code int) error {
	t.Helper()
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatalf("want an exit error, got %v", err)
	}
	return err
}

func TestServiceStatusMapping(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		st      service.Status
		err     error
		want    string // "" when the query failed
		wantErr bool
	}{
		{"running", service.StatusRunning, nil, "running", false},
		{"stopped", service.StatusStopped, nil, "stopped", false},
		{"not installed", service.StatusUnknown, service.ErrNotInstalled, "not installed", false},
		{"wrapped not installed", service.StatusUnknown, fmt.Errorf("x: %w", service.ErrNotInstalled), "not installed", false},
		{"LSB exit 3 is stopped", service.StatusUnknown, exitErr(t, 3), "stopped", false},
		{"systemd failed unit is stopped", service.StatusUnknown, errors.New("service in failed state"), "stopped", false},
		{"other exit fails", service.StatusUnknown, exitErr(t, 1), "", true},
		{"other error fails", service.StatusUnknown, errors.New("systemctl: bus error"), "", true},
		{"unknown without error fails", service.StatusUnknown, nil, "", true},
	} {
		st, err := mapStatus(tc.st, tc.err)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, want error %v", tc.desc, err, tc.wantErr)
			continue
		}
		if err != nil {
			if exitCode(err) != cli.ExitFailure {
				t.Errorf("%s: exit code %d, want %d", tc.desc, exitCode(err), cli.ExitFailure)
			}
			continue
		}
		if st.String() != tc.want {
			t.Errorf("%s: state %q, want %q", tc.desc, st, tc.want)
		}
	}
}

func runRingd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = execute(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String(), errOut.String(), code
}

func TestServiceCommandUsage(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"status", "--name", "a/b"}, `invalid --name "a/b"`},
		{[]string{"start", "--name", ""}, `invalid --name ""`},
		{[]string{"uninstall", "--name", "../x"}, "invalid --name"},
		{[]string{"install", "--name", "x y"}, "invalid --name"},
		{[]string{"install", "-c", "/nonexistent/ringd.yaml"}, "no such file"},
		{[]string{"stop", "extra"}, "unknown command"},
		{[]string{"restart", "--config", "x"}, "unknown flag"},
	} {
		_, errOut, code := runRingd(t, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("ringd %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, cli.ExitUsage, tc.wantErr)
		}
	}
}

func TestServiceStatusNotInstalled(t *testing.T) {
	name := fmt.Sprintf("ringd-unit-%d", os.Getpid())
	out, errOut, code := runRingd(t, "status", "--name", name)
	if code != cli.ExitOK || out != "not installed\n" {
		t.Fatalf("status: exit %d, stdout %q, stderr %q; want exit 0 and \"not installed\"", code, out, errOut)
	}
}
