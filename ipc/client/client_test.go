package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/api"
)

// roundTrip is an in-memory daemon: it answers every request itself.
type roundTrip func(*http.Request) *http.Response

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return f(r), nil
}

func answer(status int, contentType, body string) *http.Response {
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status),
		Header: http.Header{"Content-Type": {contentType}},
		Body:   io.NopCloser(strings.NewReader(body)),
	}
}

// fixed answers every request with status and body.
func fixed(status int, contentType, body string) *Client {
	return New("/test/ringd.sock", WithTransport(roundTrip(func(*http.Request) *http.Response {
		return answer(status, contentType, body)
	})))
}

var sentinels = map[api.Code]error{
	api.CodeBadRequest: ErrBadRequest, api.CodeNotFound: ErrNotFound, api.CodeMethodNotAllowed: ErrMethodNotAllowed,
	api.CodeForbidden: ErrForbidden, api.CodeTooLarge: ErrTooLarge, api.CodeTimeout: ErrTimeout,
	api.CodeUnsupported: ErrUnsupported, api.CodeInvalidInput: ErrInvalidInput, api.CodeDetached: ErrDetached,
	api.CodeRefused: ErrRefused, api.CodeNoQuorum: ErrNoQuorum, api.CodeStopped: ErrStopped,
	api.CodeWatcherTooSlow: ErrWatcherTooSlow, api.CodeCanceled: ErrCanceled, api.CodeFailed: ErrFailed,
	api.CodeInternal: ErrInternal,
}

// Every code of the API has its sentinel, and an error of one code is that
// sentinel and no other, with the daemon's status and text kept.
func TestCodeMapsToSentinel(t *testing.T) {
	if len(sentinels) != len(api.Codes) {
		t.Fatalf("%d sentinels for %d codes", len(sentinels), len(api.Codes))
	}
	for _, code := range api.Codes {
		want, ok := sentinels[code]
		if !ok {
			t.Fatalf("no sentinel for code %q", code)
		}
		c := fixed(http.StatusConflict, "application/json", `{"error":"no, because","code":"`+string(code)+`"}`+"\n")
		_, err := c.Status(context.Background())
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusConflict || ae.Code != code || ae.Message != "no, because" {
			t.Fatalf("%s: err %#v", code, err)
		}
		for other, sentinel := range sentinels {
			if got := errors.Is(err, sentinel); got != (other == code) {
				t.Errorf("code %s: errors.Is(err, %v) = %v", code, sentinel, got)
			}
		}
		if !errors.Is(fmtWrap(err), want) {
			t.Errorf("%s: a wrapped error is not %v", code, want)
		}
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

// An answer without a code (not from ringd) gets the code of its status.
func TestNoCodeTakesStatus(t *testing.T) {
	_, err := fixed(http.StatusNotFound, "text/plain", "404 page not found\n").Members(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrNotFound) || ae.Message != "ringd answered Not Found" {
		t.Fatalf("err %#v", err)
	}
}

// The error line that ends a message stream keeps its code.
func TestStreamErrorLineCode(t *testing.T) {
	body := `{"seq":1,"text":"a"}` + "\n" + `{"error":"watcher dropped","code":"watcher_too_slow"}` + "\n"
	c := fixed(http.StatusOK, api.ContentTypeStream, body)
	var got []chat.Message
	err := c.Messages(context.Background(), Query{N: -1, Follow: true}, func(m chat.Message) error {
		got = append(got, m)
		return nil
	})
	var ae *APIError
	if !errors.Is(err, ErrWatcherTooSlow) || !errors.As(err, &ae) || ae.StatusCode != http.StatusOK || len(got) != 1 {
		t.Fatalf("err %#v after %d messages", err, len(got))
	}
}

// A say stream's queued lines come back as one ErrNoQuorum, after the
// receipts of the others; a refused line ends the stream with its code.
func TestSayStreamCodes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       error
		receipts   int
	}{
		{"queued", "{}\n" + `{"seq":1,"lamport":2,"id":"n/1"}` + "\n" +
			`{"error":"line 2: no quorum","code":"no_quorum","queued":true}` + "\n", ErrNoQuorum, 1},
		{"refused", "{}\n" + `{"error":"line 1: this node is not a member","code":"detached"}` + "\n", ErrDetached, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fixed(http.StatusOK, api.ContentTypeStream, tc.body)
			texts := make(chan string, 2)
			texts <- "a"
			texts <- "b"
			close(texts)
			n := 0
			err := c.SayStream(context.Background(), "", texts, func(chat.Receipt) error { n++; return nil })
			if !errors.Is(err, tc.want) || n != tc.receipts {
				t.Fatalf("err %v (%d receipts), want %v (%d)", err, n, tc.want, tc.receipts)
			}
		})
	}
}

// The injected transport carries the request the client makes: the route,
// the method and the fixed Host.
func TestWithTransportRequest(t *testing.T) {
	var seen *http.Request
	c := New("/test/ringd.sock", WithTransport(roundTrip(func(r *http.Request) *http.Response {
		seen = r
		return answer(http.StatusOK, "application/json", `{"seq":3,"lamport":9,"id":"n/3"}`+"\n")
	})))
	rc, err := c.Say(context.Background(), "hi", "")
	if err != nil || rc.Seq != 3 {
		t.Fatalf("receipt %+v err %v", rc, err)
	}
	if seen.Method != http.MethodPost || seen.URL.Path != api.PathSay || seen.Host != api.Host {
		t.Fatalf("request %s %s Host %q", seen.Method, seen.URL, seen.Host)
	}
	if c.Socket() != "/test/ringd.sock" {
		t.Fatalf("socket %q", c.Socket())
	}
}

// failingDial is a transport whose every dial fails with errno.
type failingDial syscall.Errno

func (e failingDial) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.Errno(e))}
}

// Why the socket could not be opened decides the error: no daemon there,
// or one this user may not talk to.
func TestDialErrors(t *testing.T) {
	for errno, check := range map[syscall.Errno]func(error) bool{
		syscall.ENOENT:       func(err error) bool { var nd *NoDaemonError; return errors.As(err, &nd) },
		syscall.ECONNREFUSED: func(err error) bool { var nd *NoDaemonError; return errors.As(err, &nd) },
		syscall.EACCES: func(err error) bool {
			var pe *PermissionError
			return errors.As(err, &pe) && pe.Socket == "/test/ringd.sock"
		},
	} {
		_, err := New("/test/ringd.sock", WithTransport(failingDial(errno))).Status(context.Background())
		if !check(err) {
			t.Errorf("dial failing with %v: %T %v", errno, err, err)
		}
	}
}
