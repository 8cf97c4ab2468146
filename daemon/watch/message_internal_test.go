package watch

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/testutil"
)

// TestLineIsEncodingJSON: the line a watcher gets is encoding/json's
// bytes of the message and a newline, for random messages with the
// characters JSON escapes (HTML ones, controls, U+2028 and U+2029),
// invalid UTF-8, and every time a message can carry (an entry's int64 of
// nanoseconds, in UTC).
func TestLineIsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		at := time.Unix(0, int64(rng.Uint64())).UTC() // as messageOf makes it: any int64 of nanoseconds, in UTC
		if i%10 == 0 {
			at = time.Time{}
		}
		m := testutil.OddMessage(rng, at)
		want, wantErr := json.Marshal(m)
		got, gotErr := published(m).JSON()
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("message %d (%v): error %v, encoding/json's %v", i, m.Time, gotErr, wantErr)
		}
		if wantErr == nil && !bytes.Equal(got, append(want, '\n')) {
			t.Fatalf("message %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func BenchmarkLine(b *testing.B) {
	m := chat.Message{
		Seq: 123456, Epoch: 3, Lamport: 987654, ID: "0123456789abcdef/4242", Kind: "chat",
		From: chat.NodeRef{ID: "0123456789abcdef", Name: "alice", Addr: "127.0.0.1:7733"},
		Text: "a hundred bytes of chat text, the size ringbench says by default, more or less so..........",
		Time: time.Date(2026, 12, 3, 17, 0, 0, 123456789, time.UTC),
	}
	l := published(m).line
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeLine(&l.m); err != nil {
			b.Fatal(err)
		}
	}
}

// A published message costs two allocations for its line, however many
// watchers ask: the shared line and its bytes. The message is not copied
// to the heap again on the way (a third allocation of its size before).
func TestPublishedLineAllocations(t *testing.T) {
	m := chat.Message{Seq: 1, ID: "0123456789abcdef/1", Kind: "chat", Text: "hello", Time: time.Unix(1, 0).UTC()}
	allocs := testing.AllocsPerRun(100, func() {
		p := published(m)
		for range 3 { // three watchers
			if _, err := p.JSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 2 {
		t.Fatalf("%.1f allocations per published message, want 2", allocs)
	}
}
