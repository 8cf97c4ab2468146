package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/protocol"
)

func TestLimits(t *testing.T) {
	with := func(f func(*node.Limits)) node.Limits {
		l := testDefaultLimits
		f(&l)
		return l
	}
	tests := []struct {
		name string
		in   input
		want node.Limits
	}{
		{"default", input{}, testDefaultLimits},
		{"empty section", input{file: "limits:\n"}, testDefaultLimits},
		{"file", input{file: "limits:\n  max_text: 100\n  join_rate: 1\n"},
			with(func(l *node.Limits) { l.MaxText, l.JoinRate = 100, 1 })},
		{"env", input{env: []string{"RINGD_LIMITS_PEER_QUEUE=64", "RINGD_LIMITS_HANDSHAKES=4096"}},
			with(func(l *node.Limits) { l.PeerQueue, l.Handshakes = 64, 4096 })},
		{"flag over env over file", input{
			file: "limits:\n  join_burst: 3\n  max_name: 10\n",
			env:  []string{"RINGD_LIMITS_JOIN_BURST=4"},
			args: []string{"--limits-join-burst=5"},
		}, with(func(l *node.Limits) { l.JoinBurst, l.MaxName = 5, 10 })},
		{"largest text with a frame to carry it", input{
			args: []string{"--limits-max-text=65536", "--limits-max-frame=8519680"},
		}, with(func(l *node.Limits) { l.MaxText, l.MaxFrame = 65536, 8519680 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := load(t, tt.in)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Limits != tt.want {
				t.Errorf("node.Limits = %+v, want %+v", c.Limits, tt.want)
			}
		})
	}
}

func TestLimitErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     input
		source string
		key    string
		want   string
	}{
		{"frame too small", input{env: []string{"RINGD_LIMITS_MAX_FRAME=1024"}}, "env RINGD_LIMITS_MAX_FRAME",
			"limits.max_frame", "must be from 65536 to 67108864 bytes, got 1024"},
		{"frame too large", input{args: []string{"--limits-max-frame=67108865"}}, "flag --limits-max-frame",
			"limits.max_frame", "must be from 65536 to 67108864 bytes, got 67108865"},
		{"text zero", input{env: []string{"RINGD_LIMITS_MAX_TEXT=0"}}, "env RINGD_LIMITS_MAX_TEXT",
			"limits.max_text", "must be from 1 to 65536 bytes, got 0"},
		{"text over the protocol", input{env: []string{"RINGD_LIMITS_MAX_TEXT=65537"}}, "env RINGD_LIMITS_MAX_TEXT",
			"limits.max_text", "must be from 1 to 65536 bytes"},
		{"text negative", input{env: []string{"RINGD_LIMITS_MAX_TEXT=-1"}}, "env RINGD_LIMITS_MAX_TEXT",
			"limits.max_text", `must be a whole number >= 0, got "-1"`},
		{"text as word", input{args: []string{"--limits-max-text=4KiB"}}, "flag --limits-max-text",
			"limits.max_text", `must be a whole number >= 0, got "4KiB"`},
		{"name limit over the protocol", input{env: []string{"RINGD_LIMITS_MAX_NAME=129"}}, "env RINGD_LIMITS_MAX_NAME",
			"limits.max_name", "must be from 1 to 128 bytes, got 129"},
		{"handshakes zero", input{env: []string{"RINGD_LIMITS_HANDSHAKES=0"}}, "env RINGD_LIMITS_HANDSHAKES",
			"limits.handshakes", "must be from 1 to 4096, got 0"},
		{"join rate zero", input{env: []string{"RINGD_LIMITS_JOIN_RATE=0"}}, "env RINGD_LIMITS_JOIN_RATE",
			"limits.join_rate", "must be from 1 to 10000 per second, got 0"},
		{"join burst too large", input{env: []string{"RINGD_LIMITS_JOIN_BURST=10001"}}, "env RINGD_LIMITS_JOIN_BURST",
			"limits.join_burst", "must be from 1 to 10000, got 10001"},
		{"peer queue too short", input{env: []string{"RINGD_LIMITS_PEER_QUEUE=10"}}, "env RINGD_LIMITS_PEER_QUEUE",
			"limits.peer_queue", "must be from 64 to 1048576 frames, got 10"},
		{"text too large for the default frame", input{env: []string{"RINGD_LIMITS_MAX_TEXT=8192"}},
			"env RINGD_LIMITS_MAX_TEXT", "limits.max_text",
			"limits.max_frame (1048576 bytes) cannot carry a batch of 128 messages of limits.max_text (8192 bytes); " +
				"raise limits.max_frame to at least 1179648"},
		{"frame too small for the default text", input{env: []string{"RINGD_LIMITS_MAX_FRAME=100000"}},
			"env RINGD_LIMITS_MAX_FRAME", "limits.max_frame", "raise limits.max_frame to at least 655360"},
		{"both set, the frame is blamed", input{env: []string{"RINGD_LIMITS_MAX_FRAME=100000", "RINGD_LIMITS_MAX_TEXT=100"}},
			"env RINGD_LIMITS_MAX_FRAME", "limits.max_frame", "at least 143872"},
		{"name over a lowered limit", input{file: "limits:\n  max_name: 3\n", env: []string{"RINGD_NAME=dave"}},
			"env RINGD_NAME", "name", `"dave" is 4 bytes long, the maximum is 3 (limits.max_name)`},
		{"unknown limit", input{file: "limits:\n  max_texts: 5\n"}, "<file>", "limits.max_texts",
			`did you mean "limits.max_text"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, path, err := load(t, tt.in)
			if err == nil {
				t.Fatalf("Load succeeded with %+v", c.Limits)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load error %T is not *Error: %v", err, err)
			}
			source := tt.source
			if source == "<file>" {
				source = path
			}
			if ce.Source != source || ce.Key != tt.key || !strings.Contains(ce.Problem, tt.want) {
				t.Errorf("got %v\nwant source %q key %q problem containing %q", err, source, tt.key, tt.want)
			}
		})
	}
}

// TestDefaultNameOverLimit: a computed default that breaks a limit names
// the key to set.
func TestDefaultNameOverLimit(t *testing.T) {
	c := defaults()
	c.Name = strings.Repeat("n", 65)
	k, p := checkLimits(c, func(string) bool { return true })
	if k != "name" || !strings.Contains(p, "65 bytes long, the maximum is 64") {
		t.Fatalf("checkLimits = %q, %q", k, p)
	}
}

// TestFrameForHoldsWorstCaseBatch keeps frameFor honest: a Deliver of a
// full batch whose every field is at its protocol limit fits the frame it
// asks for.
func TestFrameForHoldsWorstCaseBatch(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, text := range []int{1, 4096, protocol.MaxTextLen} {
		e := protocol.Entry{
			Seq: 1<<64 - 1, Epoch: 1<<64 - 1, Lamport: 1<<64 - 1, OriginID: long(protocol.MaxIDLen),
			OriginCounter: 1<<64 - 1, Kind: protocol.KindDirect, FromName: long(protocol.MaxNameLen),
			FromAddr: long(protocol.MaxAddrLen-5) + ":7733", To: long(protocol.MaxNameLen),
			Text: long(text), TimeUnixNano: -1 << 63,
		}
		entries := make([]protocol.Entry, limits.FrameEntries)
		for i := range entries {
			entries[i] = e
			entries[i].Seq = 1<<64 - limits.FrameEntries + uint64(i)
		}
		payload, err := protocol.Encode(1<<64-1, long(protocol.MaxIDLen), 1<<64-1, protocol.Deliver{Entries: entries})
		if err != nil {
			t.Fatal(err)
		}
		if len(payload) > frameFor(text) {
			t.Errorf("a batch of %d-byte texts takes %d bytes, more than frameFor = %d", text, len(payload), frameFor(text))
		}
	}
}
