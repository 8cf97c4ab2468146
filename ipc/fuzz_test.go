package ipc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc/api"
)

// FuzzRequest sends arbitrary requests (method, target, headers, body) over
// a real socket to the real server and handlers, with a fake node, and
// checks that every request is answered, every answer is JSON (a lone
// {"error":...} object for a refusal), and no handler panics.
func FuzzRequest(f *testing.F) {
	errs := &testutil.SyncBuffer{} // the server logs a recovered panic as an error
	sock, _ := serveFakeLogged(f, slog.New(slog.NewTextHandler(errs, &slog.HandlerOptions{Level: slog.LevelError})), nil)
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		raw := buildRequest(method, target, headers, body)
		answers, err := exchangeAll(sock, raw, requestMethods(raw))
		if err != nil {
			t.Fatalf("request %q: %v", raw, err)
		}
		if len(answers) == 0 {
			t.Fatalf("request %q: no answer", raw)
		}
		for i, a := range answers {
			if err := checkAnswer(a); err != nil {
				t.Fatalf("request %q, answer %d: %v", raw, i+1, err)
			}
		}
		if s := errs.String(); s != "" {
			t.Fatalf("request %q: the server logged an error:\n%s", raw, s)
		}
	})
}

// buildRequest makes an HTTP/1.1 request; it frames the body with a
// Content-Length unless the headers frame it themselves.
func buildRequest(method, target, headers string, body []byte) string {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\n" + headers)
	if h := strings.ToLower(headers); !strings.Contains(h, "content-length") && !strings.Contains(h, "transfer-encoding") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.String()
}

// requestMethods lists the methods of the requests in raw, in order, as far
// as net/http's parser reads them (answers to HEAD have no body).
func requestMethods(raw string) []string {
	br := bufio.NewReader(strings.NewReader(raw))
	var methods []string
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return methods
		}
		methods = append(methods, req.Method)
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return methods
		}
	}
}

// checkAnswer holds an answer to the API's contract: JSON, and a refusal a
// lone {"error":"..."} object.
func checkAnswer(a answer) error {
	status, ct := a.resp.StatusCode, a.resp.Header.Get("Content-Type")
	switch {
	case status < 200: // 100 Continue
		return nil
	case ct == api.ContentTypeStream && status == http.StatusOK:
		for line := range bytes.Lines(a.body) {
			if !json.Valid(line) || line[len(line)-1] != '\n' {
				return fmt.Errorf("stream line %q is not one JSON value and a newline", line)
			}
		}
		return nil
	case ct != "application/json":
		return fmt.Errorf("%s with Content-Type %q: %q", a.resp.Status, ct, a.body)
	case a.method == http.MethodHead && len(a.body) == 0:
		return nil
	case status >= 400:
		_, err := jsonError(a.body)
		return err
	case !json.Valid(a.body) || !bytes.HasSuffix(a.body, []byte("\n")):
		return fmt.Errorf("%s: body %q is not JSON", a.resp.Status, a.body)
	}
	return nil
}
