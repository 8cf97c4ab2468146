package ipc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/ipc/api"
)

// rawExchange writes raw to a new connection to sock and reads the first
// answer, failing the test if none comes within 10 s.
func rawExchange(t testing.TB, sock, raw string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no HTTP answer to %q: %v", raw, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	return resp, string(b)
}

// exchangeAll writes raw to a new connection to sock, closes its sending
// side and reads every answer until one says "Connection: close" or the
// server closes the connection. An answer it cannot parse, or no end within
// 10 s, is an error.
func exchangeAll(sock, raw string, methods []string) ([]answer, error) {
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		return nil, err
	}
	if err := conn.(*net.UnixConn).CloseWrite(); err != nil {
		return nil, err
	}
	br := bufio.NewReader(conn)
	var answers []answer
	for {
		if _, err := br.Peek(1); err == io.EOF {
			return answers, nil
		}
		method := http.MethodGet
		if len(methods) > 0 {
			method = methods[0]
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return answers, fmt.Errorf("answer %d: %w", len(answers)+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if errors.Is(err, os.ErrDeadlineExceeded) && resp.Header.Get("Content-Type") == api.ContentTypeStream {
			// A followed stream ends when the client goes away; net/http
			// does not notice that while a pipelined request waits.
			return append(answers, answer{method, resp, body[:bytes.LastIndexByte(body, '\n')+1]}), nil
		}
		if err != nil {
			return answers, fmt.Errorf("answer %d (%s): body: %w", len(answers)+1, resp.Status, err)
		}
		if resp.StatusCode >= 200 && len(methods) > 0 {
			methods = methods[1:]
		}
		answers = append(answers, answer{method, resp, body})
		if resp.Close {
			return answers, nil
		}
	}
}

type answer struct {
	method string // of the request answered
	resp   *http.Response
	body   []byte
}

// wantJSONError fails unless the answer is status with a JSON error body,
// and nothing else, whose message contains want and whose code is that of
// status (api.StatusCode: a refusal of the HTTP layer).
func wantJSONError(t testing.TB, resp *http.Response, body string, status int, want string) {
	t.Helper()
	wantJSONErrorCode(t, resp, body, status, api.StatusCode(status), want)
}

// wantJSONErrorCode is wantJSONError for a refusal with code code.
func wantJSONErrorCode(t testing.TB, resp *http.Response, body string, status int, code api.Code, want string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json (body %q)", ct, body)
	}
	e, err := jsonError([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Error, want) {
		t.Fatalf("error %q, want it to mention %q", e.Error, want)
	}
	if e.Code != code {
		t.Fatalf("code %q, want %q (body %q)", e.Code, code, body)
	}
}

// jsonError returns the error of a body that is exactly one {"error":
// "...", "code": "..."} object, with a message and a known code, and a
// newline.
func jsonError(b []byte) (api.Error, error) {
	var e api.Error
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == "" || e.Queued || string(b[dec.InputOffset():]) != "\n" {
		return e, fmt.Errorf("body is not one JSON error object: %q", b)
	}
	if !slices.Contains(api.Codes, e.Code) {
		return e, fmt.Errorf("error code %q is not one of api.Codes: %q", e.Code, b)
	}
	return e, nil
}
