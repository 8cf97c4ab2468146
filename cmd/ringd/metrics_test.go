package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/testutil"
)

// writeRunConfig writes a config for a loopback node in dir with extra YAML
// lines and returns its path and socket.
func writeRunConfig(t *testing.T, dir string, extra ...string) (cfg, socket string) {
	t.Helper()
	socket = filepath.Join(dir, "run", "ringd.sock")
	lines := append([]string{
		"name: alice",
		"listen: 127.0.0.1:0",
		"socket: " + socket,
		"data_dir: " + filepath.Join(dir, "data"),
		"log:",
		"  format: json",
	}, extra...)
	cfg = filepath.Join(dir, "ringd.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, socket
}

// logRecord finds the first JSON log record with message msg.
func logRecord(logs, msg string) (map[string]any, bool) {
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec, true
		}
	}
	return nil, false
}

func httpGet(url string) (int, string, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestRunServesMetrics runs `ringd run` in this process with
// metrics.listen on port 0, reads the bound address from its log, and
// scrapes the node's metrics and pprof until the run is cancelled.
func TestRunServesMetrics(t *testing.T) {
	dir := testutil.ShortTempDir(t)
	cfg, _ := writeRunConfig(t, dir, "metrics:", "  listen: 127.0.0.1:0")
	var logs testutil.SyncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"run", "-c", cfg}, cli.Streams{In: strings.NewReader(""), Out: &logs, Err: &logs})
	}()

	var addr, id string
	testutil.WaitFor(t, 20*time.Second, `"metrics listening" and "ringd ready" in the log`, func() bool {
		select {
		case code := <-exited:
			t.Fatalf("ringd run exited %d:\n%s", code, logs.String())
		default:
		}
		m, ok1 := logRecord(logs.String(), "metrics listening")
		r, ok2 := logRecord(logs.String(), "ringd ready")
		if !ok1 || !ok2 {
			return false
		}
		if m["component"] != "metrics" {
			t.Errorf("metrics listening record without component=metrics: %v", m)
		}
		addr, _ = m["addr"].(string)
		id, _ = r["id"].(string)
		return true
	})
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" {
		t.Fatalf("logged addr %q is not the bound address", addr)
	}

	// A lone node founds its ring: wait until it leads it.
	want := []string{
		`ring_state{state="member"} 1`,
		"ring_is_leader 1",
		"ring_members 1",
		fmt.Sprintf(`id=%q`, id),
		"go_goroutines ",
		"process_open_fds ",
	}
	var body string
	testutil.WaitFor(t, 20*time.Second, "the node's metrics on "+addr, func() bool {
		code, b, err := httpGet("http://" + addr + "/metrics")
		if err != nil || code != http.StatusOK {
			return false
		}
		body = b
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	})
	if !strings.Contains(body, "ring_info{") {
		t.Fatalf("no ring_info:\n%s", body)
	}
	if code, idx, err := httpGet("http://" + addr + "/debug/pprof/"); err != nil || code != http.StatusOK || !strings.Contains(idx, "goroutine") {
		t.Fatalf("GET /debug/pprof/: %d %v\n%.300s", code, err, idx)
	}
	if code, heap, err := httpGet("http://" + addr + "/debug/pprof/heap"); err != nil || code != http.StatusOK || !strings.HasPrefix(heap, "\x1f\x8b") {
		t.Fatalf("GET /debug/pprof/heap: %d %v, %d bytes", code, err, len(heap))
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit %d after cancel:\n%s", code, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ringd run did not return after cancel")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("metrics address %s still accepts connections after ringd stopped", addr)
	}
}

// TestRunMetricsAddressInUse: a metrics.listen address that cannot be bound
// stops ringd at start (exit 1, like the peer port) with a message naming
// the key and the address, before the socket is created.
func TestRunMetricsAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := testutil.ShortTempDir(t)
	cfg, socket := writeRunConfig(t, dir, "metrics:", "  listen: "+busy.Addr().String())
	_, errOut, code := runRingd(t, "run", "-c", cfg)
	if code != cli.ExitFailure {
		t.Fatalf("exit %d, want %d:\n%s", code, cli.ExitFailure, errOut)
	}
	if !strings.Contains(errOut, "metrics.listen "+busy.Addr().String()) || !strings.Contains(errOut, "address already in use") {
		t.Fatalf("message should name metrics.listen, %s and why:\n%s", busy.Addr(), errOut)
	}
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Fatalf("socket %s exists after the failed start (err %v)", socket, err)
	}
}
