package watch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
)

// A subscription the hub drops as too slow is resumed from the history:
// what was buffered, what arrived while dropped (a direct message too), and
// what comes after, each once and in order.
func TestFollowerResumesAfterDrop(t *testing.T) {
	hub, h, logs := testHub(64)
	h.store(seqs(1, 5)...)
	backlog, f, err := hub.Follow(Query{N: 2}, h.lastSeq)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := backlog

	d1, d2, d3, d4 := directMessage("1"), directMessage("2"), directMessage("3"), directMessage("4")
	before := concat(seqs(6, 10), []chat.Message{d1})
	publish(hub, h, before...)
	got = append(got, next(t, f, len(before))...)

	// 11, 12 and d2 (stored after 12) are in the subscription when it is
	// dropped; 13–16 and d3 only in the history. The resumed stream reads d2
	// again (it is stored after 12) and must not hand it out twice.
	buffered := []chat.Message{chatMessage(11), chatMessage(12), d2}
	missed := []chat.Message{chatMessage(13), chatMessage(14), chatMessage(15), d3, chatMessage(16)}
	publish(hub, h, buffered...)
	hub.dropAll()
	h.store(missed...)
	got = append(got, next(t, f, len(buffered)+len(missed))...)
	after := []chat.Message{chatMessage(17), d4, chatMessage(18)}
	publish(hub, h, after...)
	got = append(got, next(t, f, len(after))...)
	nothingWaiting(t, f)

	want := concat(seqs(4, 5), before, buffered, missed, after)
	if labels(got) != labels(want) {
		t.Fatalf("got  %s\nwant %s", labels(got), labels(want))
	}
	qs := h.readQueries()
	if len(qs) != 2 || qs[1] != (Query{Since: 12, HasSince: true}) {
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
	h.store(seqs(1, 30)...)
	_, f, err := hub.Follow(Query{N: 0}, h.lastSeq)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hub.dropAll()
	h.store(seqs(31, 33)...)
	got := next(t, f, 3)
	publish(hub, h, chatMessage(34))
	got = append(got, next(t, f, 1)...)
	if labels(got) != "31 32 33 34" {
		t.Fatalf("got %s, want 31 32 33 34", labels(got))
	}
}

// Messages that retention removed while the stream was dropped cannot be
// handed out: the stream goes on from the oldest one stored and logs the gap.
func TestFollowerResumePastRetention(t *testing.T) {
	hub, h, logs := testHub(64)
	_, f, err := hub.Follow(Query{N: 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	publish(hub, h, seqs(1, 10)...)
	got := next(t, f, 10)
	hub.dropAll()
	h.store(seqs(11, 20)...)
	h.retain(15)
	got = append(got, next(t, f, 5)...)
	publish(hub, h, chatMessage(21))
	got = append(got, next(t, f, 1)...)
	if want := concat(seqs(1, 10), seqs(16, 21)); labels(got) != labels(want) {
		t.Fatalf("got  %s\nwant %s", labels(got), labels(want))
	}
	if !strings.Contains(logs.String(), "retention") || !strings.Contains(logs.String(), `"next":16`) {
		t.Fatalf("the gap is not logged:\n%s", logs.String())
	}
}

// A resume that finds the hub stopped ends the stream with the hub's reason.
func TestFollowerResumeRefusedEnds(t *testing.T) {
	hub, h, _ := testHub(64)
	_, f, err := hub.Follow(Query{N: 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	publish(hub, h, chatMessage(1))
	next(t, f, 1)
	stopped := errors.New("node is stopping")
	hub.dropAll()
	hub.Stop(stopped)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.Next(ctx); !errors.Is(err, stopped) {
		t.Fatalf("Next = %v, want the hub's reason %v", err, stopped)
	}
}

// A stream that falls behind more than maxResumes times within
// resumeWindow ends with ErrWatcherTooSlow.
func TestFollowerEndsWhenItFallsBehindTooOften(t *testing.T) {
	hub, h, logs := testHub(4)
	_, f, err := hub.Follow(Query{N: 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range maxResumes {
		hub.dropAll()
		publish(hub, h, chatMessage(uint64(i+1))) // stored only: the next one resumes
		next(t, f, 1)
	}
	hub.dropAll()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.Next(ctx); !errors.Is(err, ErrWatcherTooSlow) {
		t.Fatalf("Next = %v, want ErrWatcherTooSlow", err)
	}
	if !strings.Contains(logs.String(), "keeps falling behind") {
		t.Fatalf("the end is not logged:\n%s", logs.String())
	}
}

// TestResumeBudget: a stream may resume maxResumes times within
// resumeWindow; one more ends it, and resumes spread out are never refused.
func TestResumeBudget(t *testing.T) {
	var b resumeBudget
	start := time.Unix(1_700_000_000, 0)
	for i := range maxResumes {
		if !b.allow(start.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("resume %d refused", i+1)
		}
	}
	if b.allow(start.Add(maxResumes * time.Second)) {
		t.Fatalf("resume %d within %v allowed", maxResumes+1, resumeWindow)
	}
	var spread resumeBudget
	for i := range 5 * maxResumes {
		if !spread.allow(start.Add(time.Duration(i) * resumeWindow / maxResumes * 2)) {
			t.Fatalf("resume %d refused though resumes are %v apart", i+1, resumeWindow/maxResumes*2)
		}
	}
}
