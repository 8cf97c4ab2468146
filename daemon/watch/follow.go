package watch

import (
	"context"
	"errors"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/idset"
)

// ErrClosed ends a Follower whose subscription was closed without a reason
// (its own Close): the stream just ends.
var ErrClosed = errors.New("watcher closed")

// A stream that falls behind again and again cannot take the chat's pace,
// and each resume reads what it missed from the store: after maxResumes
// resumes within resumeWindow it ends with ErrWatcherTooSlow, as before
// resumes existed (the client may reconnect with --since).
const (
	maxResumes   = 8
	resumeWindow = time.Minute
)

// Follower is one stream of messages that outlives the hub's drops: when
// its subscription is dropped as too slow it watches again from the last
// sequenced message it handed out, hands out the stored messages it missed
// and follows on, so its reader sees one stream with no gap and no message
// twice. It is used by one goroutine.
type Follower struct {
	hub     *Hub
	sub     *Subscription
	floor   uint64     // where a resume starts if no sequenced message was handed out
	last    uint64     // the highest seq handed out
	directs *idset.Set // the direct messages handed out; guarded by the hub's mu
	missed  []chat.Message
	resumes int
	budget  resumeBudget
}

// Follow returns the stored messages matching q and a Follower of every
// later one. stored is the last sequence number stored now: a stream that
// starts with the last messages and hands out no sequenced message before
// it is dropped (tail -f -n 0 on a quiet ring) resumes after it, one that
// starts after q.Since resumes after that.
func (h *Hub) Follow(q Query, stored uint64) ([]chat.Message, *Follower, error) {
	floor := stored
	if q.HasSince {
		floor = q.Since
	}
	directs := idset.New(maxDirects)
	backlog, sub, err := h.watch(q, 0, directs)
	if err != nil {
		return nil, nil, err
	}
	f := &Follower{hub: h, sub: sub, floor: floor, directs: directs}
	for _, m := range backlog {
		f.last = max(f.last, m.Seq)
	}
	return backlog, f, nil
}

// Next waits for the next message. It fails with ctx's error, with the
// reason the node ended the stream (it stops), or with ErrWatcherTooSlow
// once the stream fell behind more than maxResumes times in resumeWindow.
func (f *Follower) Next(ctx context.Context) (Message, error) {
	for {
		if m, ok := f.Ready(); ok {
			return m, nil
		}
		select {
		case m, ok := <-f.sub.C:
			if ok {
				f.handOut(m)
				return m, nil
			}
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
		if err := f.resume(ctx); err != nil {
			return Message{}, err
		}
	}
}

// Ready returns a message that is waiting, without waiting.
func (f *Follower) Ready() (Message, bool) {
	if len(f.missed) > 0 {
		m := Message{Message: f.missed[0]}
		f.missed = f.missed[1:]
		f.handOut(m)
		return m, true
	}
	select {
	case m, ok := <-f.sub.C:
		if ok {
			f.handOut(m)
			return m, true
		}
	default:
	}
	return Message{}, false
}

// Close stops the stream.
func (f *Follower) Close() { f.sub.Close() }

func (f *Follower) handOut(m Message) {
	if m.Seq != 0 {
		f.last = max(f.last, m.Seq)
		return
	}
	f.hub.mu.Lock()
	f.directs.Add(m.ID)
	f.hub.mu.Unlock()
}

// resume watches again after the subscription ended, if it was dropped as
// too slow; otherwise it returns why the stream ends.
//
// It asks for the stored messages after the last sequenced message handed
// out (with none, after floor). The store answers those in its order: the
// sequenced messages above that number and the direct messages stored after
// it — also those that arrived while the stream was dropped, so none is
// lost. Direct messages handed out already may come again (a direct message
// is stored after the last sequenced message stored when it arrived, which
// the stream may have handed out after it): they are skipped by id, of the
// last maxDirects handed out. Messages that retention removed meanwhile
// cannot be shown: the stream goes on from the oldest one stored, and the
// gap is logged.
func (f *Follower) resume(ctx context.Context) error {
	err := f.sub.Err()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !errors.Is(err, ErrWatcherTooSlow) {
		if err == nil {
			err = ErrClosed
		}
		return err
	}
	f.resumes++
	if !f.budget.allow(time.Now()) {
		f.hub.log.Warn("follow stream keeps falling behind; ended", "resumes", f.resumes)
		return err
	}
	after := f.last
	if after == 0 {
		after = f.floor
	}
	missed, sub, err := f.hub.watch(Query{Since: after, HasSince: true}, after, f.directs)
	if err != nil {
		return err
	}
	for _, m := range missed {
		if m.Seq == 0 {
			continue
		}
		if m.Seq > after+1 {
			f.hub.log.Warn("follow stream resumed: the history no longer holds some messages it missed (retention), they are skipped",
				"after", after, "next", m.Seq)
		}
		break
	}
	f.hub.log.Info("follow stream fell behind and was dropped by the node; resumed from the history",
		"after", after, "missed", len(missed), "resumes", f.resumes)
	f.sub, f.missed = sub, missed
	return nil
}

// resumeBudget remembers when the last resumes happened.
type resumeBudget struct{ at []time.Time }

// allow records a resume at now and reports whether it is within budget.
func (b *resumeBudget) allow(now time.Time) bool {
	kept := b.at[:0]
	for _, t := range b.at {
		if now.Sub(t) < resumeWindow {
			kept = append(kept, t)
		}
	}
	b.at = append(kept, now)
	return len(b.at) <= maxResumes
}
