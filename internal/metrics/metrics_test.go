package metrics

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/ringchat/ring/daemon/chat"
)

// fakeNode is a Source whose status the test sets.
type fakeNode struct {
	mu sync.Mutex
	st chat.Status
}

func (f *fakeNode) Status() chat.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeNode) set(st chat.Status) {
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
}

var ringNames = []string{"ring_info", "ring_state", "ring_is_leader", "ring_members", "ring_epoch", "ring_last_seq", "ring_lamport",
	"ring_commit_seq", "ring_commit_lag", "ring_quorum", "ring_reachable"}

var leaderWant = `
# HELP ring_epoch The ring's current epoch as this node knows it; each election starts a new one.
# TYPE ring_epoch gauge
ring_epoch 7
# HELP ring_info This node: its id, name and peer address, and the id of its ring (empty while detached or joining); always 1.
# TYPE ring_info gauge
ring_info{addr="127.0.0.1:7733",id="0123456789abcdef",name="alice",ring="r1"} 1
# HELP ring_is_leader 1 while this node is the leader of its ring, else 0.
# TYPE ring_is_leader gauge
ring_is_leader 1
# HELP ring_lamport This node's Lamport clock.
# TYPE ring_lamport gauge
ring_lamport 1234
# HELP ring_last_seq Sequence number of the last message stored on this node.
# TYPE ring_last_seq gauge
ring_last_seq 42
# HELP ring_members Members in this node's view of the ring; 0 while detached or joining.
# TYPE ring_members gauge
ring_members 5
# HELP ring_state 1 for the node's current state (detached, joining, member, electing, no-quorum, leaving), 0 for the others.
# TYPE ring_state gauge
ring_state{state="detached"} 0
ring_state{state="electing"} 0
ring_state{state="joining"} 0
ring_state{state="leaving"} 0
ring_state{state="member"} 1
ring_state{state="no-quorum"} 0
` + commonWant(40, 2, 3, 5)

var followerWant = `
# HELP ring_epoch The ring's current epoch as this node knows it; each election starts a new one.
# TYPE ring_epoch gauge
ring_epoch 8
# HELP ring_info This node: its id, name and peer address, and the id of its ring (empty while detached or joining); always 1.
# TYPE ring_info gauge
ring_info{addr="127.0.0.1:7733",id="0123456789abcdef",name="alice",ring="r1"} 1
# HELP ring_is_leader 1 while this node is the leader of its ring, else 0.
# TYPE ring_is_leader gauge
ring_is_leader 0
# HELP ring_lamport This node's Lamport clock.
# TYPE ring_lamport gauge
ring_lamport 1300
# HELP ring_last_seq Sequence number of the last message stored on this node.
# TYPE ring_last_seq gauge
ring_last_seq 43
# HELP ring_members Members in this node's view of the ring; 0 while detached or joining.
# TYPE ring_members gauge
ring_members 4
# HELP ring_state 1 for the node's current state (detached, joining, member, electing, no-quorum, leaving), 0 for the others.
# TYPE ring_state gauge
ring_state{state="detached"} 0
ring_state{state="electing"} 1
ring_state{state="joining"} 0
ring_state{state="leaving"} 0
ring_state{state="member"} 0
ring_state{state="no-quorum"} 0
` + commonWant(40, 3, 3, 2)

// commonWant is the quorum series for a commit point, lag, quorum and reachable count.
func commonWant(commit, lag, quorum, reachable int) string {
	return fmt.Sprintf(`# HELP ring_commit_lag Messages stored on this node but not committed yet (last_seq - commit_seq); it grows in a part of the ring without quorum.
# TYPE ring_commit_lag gauge
ring_commit_lag %d
# HELP ring_commit_seq Sequence number up to which this node's messages are committed: stored by a majority of the ring, and shown.
# TYPE ring_commit_seq gauge
ring_commit_seq %d
# HELP ring_quorum Members needed for a majority of this node's view; 0 while detached or joining.
# TYPE ring_quorum gauge
ring_quorum %d
# HELP ring_reachable Members of the view this node hears, itself included; below ring_quorum the node has no quorum.
# TYPE ring_reachable gauge
ring_reachable %d
`, lag, commit, quorum, reachable)
}

// TestMetricsReadStatusAtScrape scrapes /metrics over HTTP and finds the
// fake node's numbers; after the status changes, the next scrape has the
// new ones.
func TestMetricsReadStatusAtScrape(t *testing.T) {
	self := chat.NodeRef{ID: "0123456789abcdef", Name: "alice", Addr: "127.0.0.1:7733"}
	node := &fakeNode{}
	node.set(chat.Status{
		ID: self.ID, Name: self.Name, Addr: self.Addr, State: chat.StateMember, Leader: self,
		Epoch: 7, Members: 5, LastSeq: 42, CommitSeq: 40, Quorum: 3, Reachable: 5, Lamport: 1234, Ring: "r1",
	})
	srv := httptest.NewServer(NewHandler(node, nil))
	defer srv.Close()

	if err := testutil.ScrapeAndCompare(srv.URL+"/metrics", strings.NewReader(leaderWant), ringNames...); err != nil {
		t.Fatal(err)
	}
	node.set(chat.Status{
		ID: self.ID, Name: self.Name, Addr: self.Addr, State: chat.StateElecting,
		Leader: chat.NodeRef{ID: "fedcba9876543210"}, Epoch: 8, Members: 4, LastSeq: 43, CommitSeq: 40, Quorum: 3, Reachable: 2, Lamport: 1300, Ring: "r1",
	})
	if err := testutil.ScrapeAndCompare(srv.URL+"/metrics", strings.NewReader(followerWant), ringNames...); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsAlsoServesRuntime checks that the Go, process and build
// metrics come with the ring's, that Prometheus's own parser reads the whole
// exposition, and that the ring metrics pass promlint.
func TestMetricsAlsoServesRuntime(t *testing.T) {
	node := &fakeNode{}
	node.set(chat.Status{ID: "a", State: chat.StateDetached})
	body, hdr := get(t, NewHandler(node, nil), "/metrics")
	for _, name := range []string{"go_goroutines ", "go_memstats_heap_alloc_bytes ", "process_resident_memory_bytes ",
		"process_cpu_seconds_total ", "process_open_fds ", "ring_build_info{", `ring_state{state="detached"} 1`} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics has no %q", name)
		}
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	families := parse(t, body)
	for name, typ := range map[string]dto.MetricType{
		"ring_last_seq": dto.MetricType_GAUGE, "go_goroutines": dto.MetricType_GAUGE,
		"process_cpu_seconds_total": dto.MetricType_COUNTER, "go_gc_duration_seconds": dto.MetricType_SUMMARY,
	} {
		if f, ok := families[name]; !ok || f.GetType() != typ {
			t.Errorf("family %s: %v, want type %v", name, f, typ)
		}
	}
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "ring_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}

// TestLabelValuesEscaped: a name with a quote, a backslash and a newline
// comes back whole through Prometheus's parser, and breaks no other series.
func TestLabelValuesEscaped(t *testing.T) {
	name := "al\"ice\\ \nsecond line"
	node := &fakeNode{}
	node.set(chat.Status{ID: "a", Name: name, Addr: "127.0.0.1:1", State: chat.StateMember, LastSeq: 5})
	body, _ := get(t, NewHandler(node, nil), "/metrics")
	families := parse(t, body)
	info := families["ring_info"]
	if info == nil || len(info.GetMetric()) != 1 {
		t.Fatalf("ring_info: %v", info)
	}
	got := map[string]string{}
	for _, l := range info.GetMetric()[0].GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	if got["name"] != name || got["id"] != "a" || got["addr"] != "127.0.0.1:1" {
		t.Errorf("ring_info labels %q, want name %q", got, name)
	}
	if f := families["ring_last_seq"]; f == nil || f.GetMetric()[0].GetGauge().GetValue() != 5 {
		t.Errorf("ring_last_seq after the odd name: %v", f)
	}
}

// TestScrapesAtOnceAreBounded: while maxScrapes scrapes wait for the node,
// one more is refused with 503 rather than queued; after them, scrapes are
// answered again.
func TestScrapesAtOnceAreBounded(t *testing.T) {
	node := &slowNode{entered: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(NewHandler(node, nil))
	defer srv.Close()
	codes := make(chan int, maxScrapes)
	for range maxScrapes {
		go func() {
			resp, err := http.Get(srv.URL + "/metrics")
			if err != nil {
				codes <- -1
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for range maxScrapes {
		select {
		case <-node.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the scrapes did not reach the node")
		}
	}
	extra := http.Client{Timeout: 5 * time.Second} // an unbounded handler would wait for the node
	resp, err := extra.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("scrape beyond %d at once: %v, want 503", maxScrapes, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("scrape beyond %d at once: %d, want 503", maxScrapes, resp.StatusCode)
	}
	close(node.release)
	for range maxScrapes {
		if c := <-codes; c != http.StatusOK {
			t.Errorf("a waiting scrape answered %d", c)
		}
	}
	if resp, err := http.Get(srv.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("scrape after the others: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// slowNode's Status reports each call on entered and waits for release.
type slowNode struct{ entered, release chan struct{} }

func (n *slowNode) Status() chat.Status {
	select {
	case n.entered <- struct{}{}:
	case <-n.release:
	}
	<-n.release
	return chat.Status{ID: "a", State: chat.StateMember}
}

// parse reads an exposition with Prometheus's text parser, failing the
// test when Prometheus would refuse the scrape.
func parse(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("Prometheus cannot parse /metrics: %v\n%s", err, body)
	}
	return families
}

// TestUnknownStateIsReported: a state this package does not list still
// shows as 1, rather than every ring_state being 0.
func TestUnknownStateIsReported(t *testing.T) {
	node := &fakeNode{}
	node.set(chat.Status{ID: "a", State: "resting"})
	body, _ := get(t, NewHandler(node, nil), "/metrics")
	if !strings.Contains(body, `ring_state{state="resting"} 1`) {
		t.Fatalf("no ring_state for the unknown state:\n%s", body)
	}
}

func TestPprof(t *testing.T) {
	h := NewHandler(&fakeNode{}, nil)

	index, _ := get(t, h, "/debug/pprof/")
	for _, p := range []string{"heap", "goroutine", "allocs", "profile", "trace"} {
		if !strings.Contains(index, p) {
			t.Errorf("/debug/pprof/ index does not list %q", p)
		}
	}
	for _, p := range []string{"/debug/pprof/heap", "/debug/pprof/goroutine", "/debug/pprof/allocs"} {
		body, _ := get(t, h, p)
		checkProfile(t, p, body)
	}
	text, _ := get(t, h, "/debug/pprof/heap?debug=1")
	if !strings.Contains(text, "heap profile:") {
		t.Errorf("heap?debug=1 is not a text heap profile: %.200q", text)
	}
	if cmdline, _ := get(t, h, "/debug/pprof/cmdline"); !strings.Contains(cmdline, "metrics.test") {
		t.Errorf("cmdline %q does not name the test binary", cmdline)
	}
	if sym, _ := get(t, h, "/debug/pprof/symbol"); !strings.HasPrefix(sym, "num_symbols:") {
		t.Errorf("symbol answered %q", sym)
	}
	cpu, _ := get(t, h, "/debug/pprof/profile?seconds=1")
	checkProfile(t, "profile?seconds=1", cpu)
	trace, _ := get(t, h, "/debug/pprof/trace?seconds=0.1")
	if !strings.HasPrefix(trace, "go ") { // "go 1.26 trace"
		t.Errorf("trace starts %.20q", trace)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	h := NewHandler(&fakeNode{}, nil)
	for _, p := range []string{"/nope", "/metrics/x", "/debug/pprof/nosuchprofile"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", rec.Code)
	}
}

// get serves GET path on h and fails the test unless it answers 200.
func get(t *testing.T, h http.Handler, path string) (string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.String(), rec.Header()
}

// checkProfile checks that body is a pprof profile: gzipped protobuf.
func checkProfile(t *testing.T, what, body string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Errorf("%s is not gzipped: %v", what, err)
		return
	}
	raw, err := io.ReadAll(zr)
	if err != nil || len(raw) == 0 {
		t.Errorf("%s: %d bytes after gunzip, %v", what, len(raw), err)
	}
}

// TestBrowserRequestsRefused: what a web page could send (an Origin or
// Sec-Fetch header, or from this host a Host naming another domain, as DNS
// rebinding does) is refused; scrapers are served.
func TestBrowserRequestsRefused(t *testing.T) {
	h := NewHandler(&fakeNode{}, nil)
	cases := []struct {
		name, remote, host string
		header             [2]string
		want               int
	}{
		{"local scrape by address", "127.0.0.1:5000", "127.0.0.1:9733", [2]string{}, http.StatusOK},
		{"local scrape by localhost", "127.0.0.1:5000", "localhost:9733", [2]string{}, http.StatusOK},
		{"local scrape over IPv6", "[::1]:5000", "[::1]:9733", [2]string{}, http.StatusOK},
		{"remote scraper by DNS name", "10.0.0.5:5000", "ringhost.lan:9733", [2]string{}, http.StatusOK},
		{"rebound domain from this host", "127.0.0.1:5000", "evil.example:9733", [2]string{}, http.StatusForbidden},
		{"page with Origin", "10.0.0.5:5000", "10.0.0.1:9733", [2]string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"page fetch", "127.0.0.1:5000", "127.0.0.1:9733", [2]string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.RemoteAddr, req.Host = c.remote, c.host
			if c.header[0] != "" {
				req.Header.Set(c.header[0], c.header[1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body.String(), c.want)
			}
		})
	}
}
