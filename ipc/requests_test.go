package ipc

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/api"
	"github.com/ringchat/ring/ipc/client"
)

// Bad input gets a 400 that says what is wrong with it.
func TestBadInputNamed(t *testing.T) {
	sock, _ := serveFake(t, nil)
	post := func(path, body string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: ringd\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	get := func(target string) string { return "GET " + target + " HTTP/1.1\r\nHost: ringd\r\n\r\n" }
	for _, c := range []struct {
		name, request, want string
		code                api.Code // bad_request if not set
	}{
		{"empty body", post("/v1/say", ""), "empty; expected a JSON object", ""},
		{"null", post("/v1/say", "null"), "expected a JSON object, got null", ""},
		{"array", post("/v1/say", `["hi"]`), "expected a JSON object, got an array", ""},
		{"boolean", post("/v1/say", `true`), "expected a JSON object, got a boolean", ""},
		{"not JSON", post("/v1/say", "text=hi"), "not JSON; expected a JSON object", ""},
		{"syntax", post("/v1/say", `{text:"hi"}`), "invalid JSON at byte 2", ""},
		{"truncated", post("/v1/say", `{"text":"hi"`), "truncated JSON", ""},
		{"wrong type", post("/v1/say", `{"text":5}`), `field "text": expected a JSON string, got number`, ""},
		{"unknown field", post("/v1/say", `{"text":"hi","colour":"red"}`), `unknown field "colour" (known: text, to)`, ""},
		{"closing bracket after", post("/v1/say", `{"text":"hi"}]`), "more than one JSON value", ""},
		{"second object", post("/v1/say", `{"text":"hi"} {}`), "more than one JSON value", ""},
		{"not UTF-8", post("/v1/say", "{\"text\":\"\xff\"}"), "not valid UTF-8", ""},
		{"empty text", post("/v1/say", `{"text":""}`), "empty message", api.CodeInvalidInput},
		{"join without port", post("/v1/join", `{"addr":"nohost"}`), "host:port", api.CodeInvalidInput},
		{"leave with garbage", post("/v1/leave", "please"), "expected a JSON object", ""},
		{"leave with a field", post("/v1/leave", `{"force":true}`), `unknown field "force" (known: none)`, ""},
		{"query on status", get("/v1/status?verbose=1"), `takes no query parameters (got "verbose=1")`, ""},
		{"repeated parameter", get("/v1/messages?n=1&n=2"), "parameter n given 2 times", ""},
		{"bad escape", get("/v1/messages?n=%zz"), "malformed query", ""},
		{"semicolon", get("/v1/messages?n=1;since=2"), "malformed query", ""},
		{"unknown parameter", get("/v1/messages?limit=3"), `unknown parameter "limit"`, ""},
		{"bad since", get("/v1/messages?since=-1"), "parameter since", ""},
		{"bad follow", get("/v1/messages?follow=maybe"), "parameter follow", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawExchange(t, sock, c.request)
			code := c.code
			if code == "" {
				code = api.CodeBadRequest
			}
			wantJSONErrorCode(t, resp, body, http.StatusBadRequest, code, c.want)
		})
	}
}

func TestLeaveTakesAnEmptyBodyOrObject(t *testing.T) {
	sock, _ := serveFake(t, nil)
	for _, body := range []string{"", "{}", " { } \n"} {
		resp, got := rawExchange(t, sock, "POST /v1/leave HTTP/1.1\r\nHost: ringd\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("leave with body %q: %d %s", body, resp.StatusCode, got)
		}
	}
	st, err := client.New(sock).Leave(context.Background())
	if err != nil || st.State != chat.StateDetached {
		t.Fatalf("client leave: %+v, %v", st, err)
	}
}
