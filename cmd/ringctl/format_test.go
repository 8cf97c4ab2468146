package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

func TestSanitizeNeutralisesEscapes(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"clear screen":  {"a\x1b[2Jb", "a^[[2Jb"},
		"osc52":         {"\x1b]52;c;aGVsbG8=\x07", "^[]52;c;aGVsbG8=^G"},
		"c1 csi":        {"x\u009b2Jy", `x\u009b2Jy`},
		"bidi override": {"abc\u202edef", `abc\u202edef`},
		"invalid utf8":  {"a\xffb", "a\uFFFDb"},
		"del":           {"a\x7fb", "a^?b"},
		"newline":       {"a\nb", "a^Jb"},
		"plain unicode": {"héllo 世界 👋", "héllo 世界 👋"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := sanitize(c.in)
			if got != c.want {
				t.Fatalf("sanitize(%q) = %q, want %q", c.in, got, c.want)
			}
			if strings.ContainsAny(got, "\x1b\x07\u009b") {
				t.Fatalf("escape byte survived: %q", got)
			}
		})
	}
}

func TestFormatMessage(t *testing.T) {
	m := chat.Message{Seq: 12, Lamport: 57, Kind: chat.KindChat, Text: "hello",
		From: chat.NodeRef{ID: "x", Name: "alice", Addr: "10.0.0.1:7733"}, Time: time.Unix(0, 0)}
	if got, want := formatMessage(m), "#12 alice(10.0.0.1:7733)[57]: hello"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	m.Kind, m.Text = chat.KindSystem, "bob joined\x1b[2J"
	if got := formatMessage(m); !strings.Contains(got, "bob joined^[[2J") || !strings.Contains(got, "***") {
		t.Fatalf("system line %q", got)
	}
}
