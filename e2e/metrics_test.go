package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// TestMetricsEndpoint runs a real ringd with metrics.listen on port 0, reads
// the bound address from its log, scrapes the ring metrics (they follow the
// node's status), profiles it with `go tool pprof` and checks that SIGTERM
// closes the endpoint.
func TestMetricsEndpoint(t *testing.T) {
	dir := tempDir(t)
	cfg, sock := writeConfig(t, dir, "alice", "metrics:", "  listen: 127.0.0.1:0")
	r := startRingd(t, dir, cfg, sock)

	var addr string
	waitFor(t, 10*time.Second, `"metrics listening" in the log`, func() bool {
		addr = loggedMetricsAddr(r.stderr.String())
		return addr != ""
	})

	var rc chat.Receipt
	ctlJSON(t, sock, &rc, "say", "hello metrics")
	var st chat.Status
	ctlJSON(t, sock, &st, "status")
	if rc.Seq == 0 || st.LastSeq < rc.Seq {
		t.Fatalf("status %+v after receipt %+v", st, rc)
	}
	want := []string{
		fmt.Sprintf("ring_last_seq %d\n", st.LastSeq),
		fmt.Sprintf("ring_epoch %d\n", st.Epoch),
		"ring_members 1\n",
		"ring_is_leader 1\n",
		`ring_state{state="member"} 1` + "\n",
		fmt.Sprintf(`ring_info{addr=%q,id=%q,name="alice",ring=%q} 1`, st.Addr, st.ID, st.Ring),
		"process_resident_memory_bytes ",
		"go_goroutines ",
	}
	var body string
	waitFor(t, 10*time.Second, "/metrics to show the status after say", func() bool {
		code, b := scrape("http://" + addr + "/metrics")
		body = b
		if code != http.StatusOK {
			return false
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	})

	// What an operator runs: go tool pprof against the live daemon.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pp := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "http://"+addr+"/debug/pprof/profile?seconds=1")
	pp.Env = append(pp.Environ(), "PPROF_TMPDIR="+t.TempDir())
	out, err := pp.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Type: cpu") {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	if code, heap := scrape("http://" + addr + "/debug/pprof/heap"); code != http.StatusOK || !strings.HasPrefix(heap, "\x1f\x8b") {
		t.Fatalf("heap profile: %d, %d bytes", code, len(heap))
	}

	if code := r.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("metrics address %s still accepts connections after ringd exited", addr)
	}
}

// loggedMetricsAddr is the addr of ringd's "metrics listening" record, or "".
func loggedMetricsAddr(logs string) string {
	for _, line := range strings.Split(logs, "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "metrics listening" {
			return rec.Addr
		}
	}
	return ""
}

// scrape GETs url and returns the status and body; a transport error is 0.
func scrape(url string) (int, string) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, ""
	}
	return resp.StatusCode, string(b)
}
