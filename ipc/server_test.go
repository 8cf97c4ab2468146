package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc/api"
	"github.com/ringchat/ring/ipc/client"
)

type lockedBuf = testutil.SyncBuffer

// serve starts a real node and the API on a temp socket.
func serve(t *testing.T) (sock string, n *node.Node, logs *lockedBuf) {
	t.Helper()
	dir := shortDir(t)
	sock = filepath.Join(dir, "ringd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	n, err = node.New(node.Options{Settings: node.Settings{Name: "alice", Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data")}})
	if err != nil {
		t.Fatal(err)
	}
	logs = &lockedBuf{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = n.Run(ctx) })
	wg.Go(func() { _ = NewServer(n, logger).Serve(ctx, ln) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	testutil.WaitFor(t, 5*time.Second, "the node founds its ring", func() bool { return n.Status().State == chat.StateMember })
	return sock, n, logs
}

// rawRequest sends one hand-made HTTP request over the socket.
func rawRequest(t *testing.T, sock string, req *http.Request) (*http.Response, string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRefusals(t *testing.T) {
	sock, _, _ := serve(t)
	mk := func(method, host, path, body string, hdr map[string]string) *http.Request {
		r, _ := http.NewRequest(method, "http://"+host+path, strings.NewReader(body))
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return r
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		want   string
		code   api.Code
	}{
		{"browser origin", mk("POST", "ringd", "/v1/say", `{"text":"x"}`, map[string]string{"Origin": "http://evil.example"}), 403, "Origin", api.CodeForbidden},
		{"foreign host", mk("GET", "evil.example", "/v1/status", "", nil), 403, "Host", api.CodeForbidden},
		{"unknown route", mk("GET", "ringd", "/v1/nope", "", nil), 404, "no such call", api.CodeNotFound},
		{"wrong method", mk("GET", "ringd", "/v1/say", "", nil), 405, "GET /v1/say: method not allowed; this call takes POST", api.CodeMethodNotAllowed},
		{"unknown field", mk("POST", "ringd", "/v1/say", `{"text":"x","colour":"red"}`, nil), 400, "colour", api.CodeBadRequest},
		{"not json", mk("POST", "ringd", "/v1/say", `text=x`, nil), 400, "malformed", api.CodeBadRequest},
		{"two values", mk("POST", "ringd", "/v1/say", `{"text":"x"}{"text":"y"}`, nil), 400, "more than one", api.CodeBadRequest},
		{"too big", mk("POST", "ringd", "/v1/say", `{"text":"`+strings.Repeat("x", maxBody)+`"}`, nil), 413, "over", api.CodeTooLarge},
		{"bad text", mk("POST", "ringd", "/v1/say", `{"text":"\u001b[2J"}`, nil), 400, "control character", api.CodeInvalidInput},
		{"bad n", mk("GET", "ringd", "/v1/messages?n=-3", "", nil), 400, "parameter n", api.CodeBadRequest},
		{"unknown param", mk("GET", "ringd", "/v1/messages?limit=3", "", nil), 400, "limit", api.CodeBadRequest},
		{"join unreachable", mk("POST", "ringd", "/v1/join", `{"addr":"127.0.0.1:1"}`, nil), 500, "cannot reach 127.0.0.1:1", api.CodeFailed},
		{"join self", mk("POST", "ringd", "/v1/join", `{"addr":"nohost"}`, nil), 400, "host:port", api.CodeInvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawRequest(t, sock, c.req)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, c.status, body)
			}
			if c.want == "" {
				return
			}
			var e api.Error
			if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error, c.want) || e.Code != c.code {
				t.Fatalf("body %q, want a JSON error mentioning %q with code %q", body, c.want, c.code)
			}
		})
	}
}

func TestMutatingCallsLogCallerUID(t *testing.T) {
	sock, _, logs := serve(t)
	if _, err := client.New(sock).Say(context.Background(), "hi", ""); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `"call":"say"`) {
			_ = json.Unmarshal([]byte(l), &rec)
		}
	}
	if rec == nil {
		t.Fatalf("no log record for the say call:\n%s", logs.String())
	}
	if uid, ok := rec["uid"].(float64); !ok || int(uid) != os.Getuid() {
		t.Fatalf("uid in log = %v, want %d", rec["uid"], os.Getuid())
	}
	if pid, ok := rec["pid"].(float64); !ok || int(pid) != os.Getpid() {
		t.Fatalf("pid in log = %v, want %d", rec["pid"], os.Getpid())
	}
}

func TestClientRoundTrip(t *testing.T) {
	sock, n, _ := serve(t)
	c := client.New(sock)
	ctx := context.Background()
	rc, err := c.Say(ctx, "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.LastSeq != rc.Seq || st.ID != n.Self().ID {
		t.Fatalf("status %+v err %v after receipt %+v", st, err, rc)
	}
	var got []chat.Message
	if err := c.Messages(ctx, client.Query{N: 1}, func(m chat.Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != rc.ID || got[0].Text != "hello" {
		t.Fatalf("messages %+v", got)
	}
	_, err = c.Join(ctx, "127.0.0.1:1")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError || !errors.Is(err, client.ErrFailed) {
		t.Fatalf("join err %v", err)
	}
	// A failed join leaves a lone node leading a ring of its own again.
	testutil.WaitFor(t, 5*time.Second, "node leads a ring again", func() bool {
		st, err := c.Status(ctx)
		return err == nil && st.State == chat.StateMember && st.Leader.ID == n.Self().ID
	})
}

func TestNoDaemon(t *testing.T) {
	sock := filepath.Join(shortDir(t), "absent.sock")
	_, err := client.New(sock).Status(context.Background())
	var nd *client.NoDaemonError
	if !errors.As(err, &nd) || nd.Socket != sock {
		t.Fatalf("err %v, want NoDaemonError for %s", err, sock)
	}
}

// A follower that stops reading is dropped by the node; the node and other
// clients carry on. (The stream resumes from the history, and a client that
// takes nothing for writeWait is cut: TestFollowStreamResumesAfterRealDrop.)
func TestStalledFollowerDoesNotBlockNode(t *testing.T) {
	sock, n, _ := serve(t)
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /v1/messages?follow=true&n=0 HTTP/1.1\r\nHost: ringd\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Never read from conn. Say far more than the watcher buffer plus socket buffers hold.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	text := strings.Repeat("y", 4000)
	for i := range 3 * watch.Buffer {
		if _, err := n.Say(ctx, text, ""); err != nil {
			t.Fatalf("say %d blocked or failed: %v", i, err)
		}
	}
	if _, err := client.New(sock).Status(ctx); err != nil {
		t.Fatalf("status while a follower is stalled: %v", err)
	}
}

// sayStream sends texts over one say stream and collects the receipts.
func sayStream(sock string, texts ...string) ([]chat.Receipt, error) {
	c := make(chan string, len(texts))
	for _, s := range texts {
		c <- s
	}
	close(c)
	var got []chat.Receipt
	err := client.New(sock).SayStream(context.Background(), "", c, func(r chat.Receipt) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

// TestSayStreamGoesOnPastNoQuorum: a line the node cannot commit for want
// of a quorum is answered as queued and the stream goes on; the client
// returns every such line once the others are answered.
func TestSayStreamGoesOnPastNoQuorum(t *testing.T) {
	sock, _ := serveFake(t, nil)
	got, err := sayStream(sock, "a", "queued1", "b", "queued2")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "line 2: no quorum") || !strings.Contains(apiErr.Message, "line 4: no quorum") ||
		!errors.Is(err, client.ErrNoQuorum) {
		t.Fatalf("err %v, want the no-quorum refusals of lines 2 and 4", err)
	}
	if len(got) != 2 {
		t.Fatalf("receipts %+v, want those of lines 1 and 3", got)
	}
}

func TestSayStreamKeepsOrderAndStopsAtRefusal(t *testing.T) {
	sock, n, _ := serve(t)
	got, err := sayStream(sock, "a", "b", "c", "bad\x1b", "never")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "line 4") || !errors.Is(err, client.ErrInvalidInput) {
		t.Fatalf("err %v, want a refusal naming line 4", err)
	}
	if len(got) != 3 || got[1].Seq != got[0].Seq+1 || got[2].Seq != got[1].Seq+1 {
		t.Fatalf("receipts %+v", got)
	}
	hist := n.History(watch.Query{N: 3})
	if hist[0].Text != "a" || hist[2].Text != "c" {
		t.Fatalf("history %+v", hist)
	}
}

// A reform must be confirmed in the request itself: without
// {"confirm":true} the server refuses it before the node is asked; with
// it, the node's refusal (not in no-quorum) comes back as a conflict.
func TestReformNeedsConfirm(t *testing.T) {
	sock, _ := serveFake(t, nil)
	for _, c := range []struct {
		body    string
		code    int
		want    string
		errCode api.Code
	}{
		{"{}", http.StatusBadRequest, "reform forces a new view", api.CodeBadRequest},
		{`{"confirm":false}`, http.StatusBadRequest, "reform forces a new view", api.CodeBadRequest},
		{`{"confirm":"yes"}`, http.StatusBadRequest, "malformed request body", api.CodeBadRequest},
		{`{"confirm":true}`, http.StatusConflict, "not in no-quorum", api.CodeRefused},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://ringd"+api.PathReform, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		resp, body := rawRequest(t, sock, req)
		var e api.Error
		_ = json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != c.code || !strings.Contains(body, c.want) || e.Code != c.errCode {
			t.Errorf("reform %s: %d %s, want %d with %q and code %q", c.body, resp.StatusCode, body, c.code, c.want, c.errCode)
		}
	}
}
