package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
)

func TestServerServesUntilCancelled(t *testing.T) {
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	s, err := Listen("127.0.0.1:0", logger)
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	node := &fakeNode{}
	node.set(chat.Status{ID: "a", State: chat.StateMember, LastSeq: 99})
	go func() { served <- s.Serve(ctx, node) }()

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "ring_last_seq 99\n") {
		t.Fatalf("GET /metrics: %d\n%s", resp.StatusCode, body)
	}
	// Serve logged where it listens (the log comes before the first answer).
	if got := loggedAddr(t, logs.String()); got != addr {
		t.Fatalf("logged addr %q, bound %q", got, addr)
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("still accepting connections after Serve returned")
	}
}

// TestProfileEndsWithShutdown: a long CPU profile in progress does not hold
// up the shutdown; it ends with what it has.
func TestProfileEndsWithShutdown(t *testing.T) {
	s, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, &fakeNode{}) }()
	got := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + s.Addr().String() + "/debug/pprof/profile?seconds=60")
		if err != nil {
			got <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	// Wait until the handler sleeps while the profile runs.
	testutil.WaitFor(t, 10*time.Second, "the CPU profile to start", func() bool {
		var stacks strings.Builder
		pprof.Lookup("goroutine").WriteTo(&stacks, 2)
		return strings.Contains(stacks.String(), "net/http/pprof.sleep")
	})
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after cancel while a profile ran")
	}
	if d := time.Since(start); d >= shutdownTimeout {
		t.Errorf("shutdown took %v", d)
	}
	if code := <-got; code != http.StatusOK {
		t.Errorf("the cut profile answered %d", code)
	}
}

func TestListenErrorNamesKeyAndAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	_, err = Listen(addr, nil)
	if err == nil {
		t.Fatalf("Listen on the busy %s succeeded", addr)
	}
	if !strings.Contains(err.Error(), "metrics.listen") || !strings.Contains(err.Error(), addr) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("error %q should name metrics.listen, %s and EADDRINUSE", err, addr)
	}
}

// loggedAddr returns the addr of the "metrics listening" record in JSON logs.
func loggedAddr(t *testing.T, logs string) string {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "metrics listening" {
			return rec.Addr
		}
	}
	t.Fatalf("no \"metrics listening\" record in:\n%s", logs)
	return ""
}
