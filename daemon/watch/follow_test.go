package watch_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/daemon/watch/watchtest"
)

// A subscription the hub drops as too slow is resumed from the history:
// what was buffered, what arrived while dropped (a direct message too), and
// what comes after, each once and in order.
func TestFollowerResumesAfterDrop(t *testing.T) {
	hub, h, logs := testHub(64)
	h.Store(watchtest.Seqs(1, 5)...)
	backlog, f, err := hub.Follow(watch.Query{N: 2}, h.LastSeq())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := backlog

	d1, d2, d3, d4 := watchtest.DirectMessage("1"), watchtest.DirectMessage("2"), watchtest.DirectMessage("3"), watchtest.DirectMessage("4")
	before := watchtest.Concat(watchtest.Seqs(6, 10), []chat.Message{d1})
	publish(hub, h, before...)
	got = append(got, next(t, f, len(before))...)

	// 11, 12 and d2 (stored after 12) are in the subscription when it is
	// dropped; 13–16 and d3 only in the history. The resumed stream reads d2
	// again (it is stored after 12) and must not hand it out twice.
	buffered := []chat.Message{watchtest.ChatMessage(11), watchtest.ChatMessage(12), d2}
	missed := []chat.Message{watchtest.ChatMessage(13), watchtest.ChatMessage(14), watchtest.ChatMessage(15), d3, watchtest.ChatMessage(16)}
	publish(hub, h, buffered...)
	hub.DropAll()
	h.Store(missed...)
	got = append(got, next(t, f, len(buffered)+len(missed))...)
	after := []chat.Message{watchtest.ChatMessage(17), d4, watchtest.ChatMessage(18)}
	publish(hub, h, after...)
	got = append(got, next(t, f, len(after))...)
	nothingWaiting(t, f)

	want := watchtest.Concat(watchtest.Seqs(4, 5), before, buffered, missed, after)
	if watchtest.Labels(got) != watchtest.Labels(want) {
		t.Fatalf("got  %s\nwant %s", watchtest.Labels(got), watchtest.Labels(want))
	}
	qs := h.Queries()
	if len(qs) != 2 || qs[1] != (watch.Query{Since: 12, HasSince: true}) {
		t.Fatalf("history queries %+v, want the resume to ask for those after 12", qs)
	}
	if !strings.Contains(logs.String(), `"resumes":1`) {
		t.Fatalf("the resume is not logged:\n%s", logs.String())
	}
}

// A stream dropped before it handed out any sequenced message (tail -f -n
// 0) resumes after its floor, not from the start.
func TestFollowerResumesFromItsFloor(t *testing.T) {
	hub, h, _ := testHub(16)
	h.Store(watchtest.Seqs(1, 30)...)
	_, f, err := hub.Follow(watch.Query{N: 0}, h.LastSeq())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hub.DropAll()
	h.Store(watchtest.Seqs(31, 33)...)
	got := next(t, f, 3)
	publish(hub, h, watchtest.ChatMessage(34))
	got = append(got, next(t, f, 1)...)
	if watchtest.Labels(got) != "31 32 33 34" {
		t.Fatalf("got %s, want 31 32 33 34", watchtest.Labels(got))
	}
}

// Messages that retention removed while the stream was dropped cannot be
// handed out: the stream goes on from the oldest one stored and logs the gap.
func TestFollowerResumePastRetention(t *testing.T) {
	hub, h, logs := testHub(64)
	_, f, err := hub.Follow(watch.Query{N: 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	publish(hub, h, watchtest.Seqs(1, 10)...)
	got := next(t, f, 10)
	hub.DropAll()
	h.Store(watchtest.Seqs(11, 20)...)
	h.Retain(15)
	got = append(got, next(t, f, 5)...)
	publish(hub, h, watchtest.ChatMessage(21))
	got = append(got, next(t, f, 1)...)
	if want := watchtest.Concat(watchtest.Seqs(1, 10), watchtest.Seqs(16, 21)); watchtest.Labels(got) != watchtest.Labels(want) {
		t.Fatalf("got  %s\nwant %s", watchtest.Labels(got), watchtest.Labels(want))
	}
	if !strings.Contains(logs.String(), "retention") || !strings.Contains(logs.String(), `"next":16`) {
		t.Fatalf("the gap is not logged:\n%s", logs.String())
	}
}

// A resume that finds the hub stopped ends the stream with the hub's reason.
func TestFollowerResumeRefusedEnds(t *testing.T) {
	hub, h, _ := testHub(64)
	_, f, err := hub.Follow(watch.Query{N: 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	publish(hub, h, watchtest.ChatMessage(1))
	next(t, f, 1)
	stopped := errors.New("node is stopping")
	hub.DropAll()
	hub.Stop(stopped)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.Next(ctx); !errors.Is(err, stopped) {
		t.Fatalf("Next = %v, want the hub's reason %v", err, stopped)
	}
}

// A stream that falls behind more than watch.MaxResumes times within
// resumeWindow ends with watch.ErrWatcherTooSlow.
func TestFollowerEndsWhenItFallsBehindTooOften(t *testing.T) {
	hub, h, logs := testHub(4)
	_, f, err := hub.Follow(watch.Query{N: 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range watch.MaxResumes {
		hub.DropAll()
		publish(hub, h, watchtest.ChatMessage(uint64(i+1))) // stored only: the next one resumes
		next(t, f, 1)
	}
	hub.DropAll()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.Next(ctx); !errors.Is(err, watch.ErrWatcherTooSlow) {
		t.Fatalf("Next = %v, want watch.ErrWatcherTooSlow", err)
	}
	if !strings.Contains(logs.String(), "keeps falling behind") {
		t.Fatalf("the end is not logged:\n%s", logs.String())
	}
}
