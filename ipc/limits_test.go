package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc/client"
	"github.com/ringchat/ring/protocol"
)

func shortTimeouts(l *limits) {
	l.readHeader = 100 * time.Millisecond
	l.readBody = 100 * time.Millisecond
	l.idle = 100 * time.Millisecond
}

// waitClosedByServer reads conn until the server closes it, failing the test
// if that takes over 5 s or if the server answers anything.
func waitClosedByServer(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("%s: connection not closed by the server: %v", what, err)
	}
	if len(b) > 0 {
		t.Fatalf("%s: server answered %q", what, b)
	}
}

// headerTimeoutPasses sends a request whose headers never end and returns
// once the server has refused it for that.
func headerTimeoutPasses(t *testing.T, sock string) {
	t.Helper()
	resp, body := rawExchange(t, sock, "GET /v1/status HTTP/1.1\r\nHost: ri")
	wantJSONError(t, resp, body, 408, "request line and headers not received within 100ms")
}

// bodyTimeoutPasses sends a call whose body never completes and returns once
// the server has refused it for that.
func bodyTimeoutPasses(t *testing.T, sock string) {
	t.Helper()
	resp, body := rawExchange(t, sock, "POST /v1/say HTTP/1.1\r\nHost: ringd\r\nContent-Length: 100\r\n\r\n{\"te")
	wantJSONError(t, resp, body, 408, "request body not received within 100ms")
}

// idleTimeoutPasses makes one call on a kept-alive connection and returns
// once the server has closed the idle connection.
func idleTimeoutPasses(t *testing.T, sock string) {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /v1/status HTTP/1.1\r\nHost: ringd\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("idle connection not closed by the server: %v", err)
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 200 OK") || strings.Count(string(b), "HTTP/1.1") != 1 {
		t.Fatalf("want one answer before the idle close, got %q", b)
	}
}

func TestHeaderReadTimeout(t *testing.T) {
	sock, _ := serveFake(t, shortTimeouts)
	headerTimeoutPasses(t, sock)
	// A connection that never sent anything is closed without an answer.
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitClosedByServer(t, conn, "nothing sent")
}

func TestBodyReadTimeout(t *testing.T) {
	sock, _ := serveFake(t, shortTimeouts)
	bodyTimeoutPasses(t, sock)
}

func TestIdleTimeout(t *testing.T) {
	sock, _ := serveFake(t, shortTimeouts)
	idleTimeoutPasses(t, sock)
}

// The body timeout covers reading the body only: a call that then waits for
// the node longer than that still gets its answer.
func TestSlowCallOutlivesBodyTimeout(t *testing.T) {
	sock, f := serveFake(t, shortTimeouts)
	entered, release := f.holdJoins()
	done := make(chan error, 1)
	go func() {
		_, err := client.New(sock).Join(context.Background(), "127.0.0.1:7734")
		done <- err
	}()
	receive(t, entered, "the join reaching the node")
	bodyTimeoutPasses(t, sock) // the body timeout has passed since the join's body was read
	select {
	case err := <-done:
		t.Fatalf("join ended before the node answered: %v", err)
	default:
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("join: %v", err)
	}
}

// tail -f and say - keep working after every timeout has passed while they
// were quiet.
func TestStreamsOutliveTimeouts(t *testing.T) {
	sock, f := serveFake(t, shortTimeouts)
	c := client.New(sock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	tailed := make(chan chat.Message, 4)
	tailDone := make(chan error, 1)
	go func() {
		tailDone <- c.Messages(ctx, client.Query{N: 0, Follow: true}, func(m chat.Message) error {
			tailed <- m
			return nil
		})
	}()
	texts := make(chan string)
	receipts := make(chan chat.Receipt, 4)
	sayDone := make(chan error, 1)
	go func() {
		sayDone <- c.SayStream(ctx, "", texts, func(r chat.Receipt) error {
			receipts <- r
			return nil
		})
	}()
	texts <- "one"
	receive(t, receipts, "the first receipt")
	testutil.WaitFor(t, 5*time.Second, "tail -f is following", func() bool { return f.watchers() == 1 })

	headerTimeoutPasses(t, sock)
	bodyTimeoutPasses(t, sock)
	idleTimeoutPasses(t, sock)

	texts <- "two"
	if r := receive(t, receipts, "the second receipt"); r.Seq != 2 {
		t.Fatalf("second receipt %+v", r)
	}
	f.publish(fakeMessage(3, "later"))
	if m := receive(t, tailed, "the followed message"); m.Text != "later" {
		t.Fatalf("followed %+v", m)
	}
	close(texts)
	if err := <-sayDone; err != nil {
		t.Fatalf("say stream: %v", err)
	}
	cancel()
	if err := <-tailDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("tail: %v", err)
	}
}

func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestSayStreamRefusesOverlongLine(t *testing.T) {
	sock, _ := serveFake(t, nil)
	texts := make(chan string, 1)
	texts <- strings.Repeat("x", int(defaultLimits.body)+1)
	close(texts)
	err := client.New(sock).SayStream(context.Background(), "", texts, func(chat.Receipt) error { return nil })
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != fmt.Sprintf("line 1: longer than %d bytes", defaultLimits.body) || !errors.Is(err, client.ErrTooLarge) {
		t.Fatalf("err %v, want the overlong line refused", err)
	}
}

// The longest text a node may be configured to take passes the API however
// JSON escapes it: each '<' becomes six bytes.
func TestLongestEscapedTextFitsTheBody(t *testing.T) {
	sock, _ := serveFake(t, nil)
	text := strings.Repeat("<", protocol.MaxTextLen)
	if _, err := client.New(sock).Say(context.Background(), text, ""); err != nil {
		t.Fatalf("say of %d escaped bytes: %v", len(text), err)
	}
	texts := make(chan string, 1)
	texts <- text
	close(texts)
	if err := client.New(sock).SayStream(context.Background(), "", texts, func(chat.Receipt) error { return nil }); err != nil {
		t.Fatalf("say - of %d escaped bytes: %v", len(text), err)
	}
}
