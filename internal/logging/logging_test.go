package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// records decodes JSON lines, failing the test on anything else.
func records(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	return out
}

func newLogger(t *testing.T, opts Options) (func(), *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	if opts.Stderr == nil {
		opts.Stderr = &buf
	}
	log, closeLog, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := closeLog(); err != nil {
			t.Error(err)
		}
	})
	return func() {
		log = log.With("component", "x")
		log.Debug("quiet")
		log.Info("hello", "n", 1)
	}, &buf
}

func checkHello(t *testing.T, recs []map[string]any) {
	t.Helper()
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1: %v", len(recs), recs)
	}
	r := recs[0]
	if r["msg"] != "hello" || r["level"] != "INFO" || r["component"] != "x" || r["n"] != 1.0 {
		t.Errorf("record %v lacks msg, level, component or n", r)
	}
}

func TestJSON(t *testing.T) {
	for _, format := range []string{"json", "auto", ""} {
		t.Run("format="+format, func(t *testing.T) {
			logHello, buf := newLogger(t, Options{Format: format})
			logHello()
			checkHello(t, records(t, buf))
		})
	}
}

func TestAutoOnNonTerminalFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	logHello, _ := newLogger(t, Options{Format: "auto", Stderr: f})
	logHello()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	checkHello(t, records(t, f))
}

func TestTextWithoutTerminal(t *testing.T) {
	logHello, buf := newLogger(t, Options{Format: "text"})
	logHello()
	out := buf.String()
	if !strings.Contains(out, "INF hello") || !strings.Contains(out, "component=x") {
		t.Errorf("unexpected text output %q", out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("text output to a non-terminal is coloured: %q", out)
	}
}

func TestLevel(t *testing.T) {
	logHello, buf := newLogger(t, Options{Level: "debug", Format: "json"})
	logHello()
	if recs := records(t, buf); len(recs) != 2 || recs[0]["msg"] != "quiet" {
		t.Errorf("debug record missing: %v", recs)
	}
	logHello, buf = newLogger(t, Options{Level: "WARN", Format: "json"})
	logHello()
	if buf.Len() != 0 {
		t.Errorf("info record logged at level warn: %s", buf)
	}
}

func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "ringd.log")
	for range 2 { // the second logger must append, not truncate
		var stderr bytes.Buffer
		log, closeLog, err := New(Options{Format: "text", File: path, Stderr: &stderr})
		if err != nil {
			t.Fatal(err)
		}
		log.With("component", "x").Info("hello", "n", 1)
		if err := closeLog(); err != nil {
			t.Fatal(err)
		}
		if err := closeLog(); err != nil {
			t.Errorf("second close: %v", err)
		}
		if !strings.Contains(stderr.String(), "hello") {
			t.Errorf("stderr missed the record: %q", stderr.String())
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs := records(t, f)
	if len(recs) != 2 {
		t.Fatalf("file has %d records, want 2", len(recs))
	}
	checkHello(t, recs[1:])

	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&^0o640 != 0 {
		t.Errorf("log file mode %v is wider than 0640", perm)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm&^0o750 != 0 {
		t.Errorf("log directory mode %v is wider than 0750", perm)
	}
}

func TestErrors(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{
		{Level: "verbose"},
		{Format: "xml"},
		{File: filepath.Join(blocker, "ringd.log")}, // parent is a file
	} {
		if _, _, err := New(opts); err == nil {
			t.Errorf("New(%+v) succeeded", opts)
		}
	}
	if _, err := ParseLevel("trace"); err == nil || !strings.Contains(err.Error(), `"trace"`) {
		t.Errorf("ParseLevel(trace) = %v", err)
	}
}

func TestAutoOnTerminal(t *testing.T) {
	// A pseudo-terminal master is a terminal as far as isatty is concerned.
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer tty.Close()
	if !isTerminal(tty) {
		t.Skip("/dev/ptmx is not a terminal here")
	}
	for _, format := range []string{"auto", "text"} {
		log, closeLog, err := New(Options{Format: format, Stderr: tty})
		if err != nil {
			t.Fatal(err)
		}
		if typ := fmt.Sprintf("%T", log.Handler()); !strings.Contains(typ, "tint") {
			t.Errorf("format %s on a terminal uses %s, want tint", format, typ)
		}
		if err := closeLog(); err != nil {
			t.Error(err)
		}
	}
}

// TestRedirectStd: a library's log.Printf becomes a record of the logger,
// at the level given, in its format; restore puts the standard logger back.
func TestRedirectStd(t *testing.T) {
	var buf bytes.Buffer
	logger, _, err := New(Options{Format: "json", Stderr: &buf})
	if err != nil {
		t.Fatal(err)
	}
	var before bytes.Buffer
	log.SetOutput(&before)
	defer log.SetOutput(os.Stderr)
	restore := RedirectStd(logger.With("component", "stdlog"), slog.LevelWarn)
	log.Printf("cannot read /proc/self/io: %s", "permission denied")
	restore()
	log.Print("after restore")
	recs := records(t, &buf)
	if len(recs) != 1 || recs[0]["msg"] != "cannot read /proc/self/io: permission denied" || recs[0]["level"] != "WARN" || recs[0]["component"] != "stdlog" {
		t.Fatalf("records %v", recs)
	}
	if !strings.Contains(before.String(), "after restore") {
		t.Fatalf("after restore the standard logger wrote %q to its old output", before.String())
	}
}
