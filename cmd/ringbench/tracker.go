package main

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// tracker follows every message ringbench says: when it was said and when it
// arrived on each node's message stream. A message is complete once every
// node that was live when it was said has it.
type tracker struct {
	prefix string // "rb <run tag> "
	size   int    // bytes of text per message
	nodes  int
	base   time.Time

	mu        sync.Mutex
	dead      []bool // nodes killed: they count as missing nothing
	arrived   []int  // per node: messages of this run it showed
	msgs      []*msgRec
	completed int           // messages complete so far
	withdrawn int           // registered but never handed to a stream
	dups      []string      // "message i twice on node k"
	leaders   []leaderEvent // "new leader" system events seen
}

// msgRec is one said message.
type msgRec struct {
	withdrawn bool
	sent      time.Duration   // since base
	need      int             // arrivals that make it complete
	at        []time.Duration // arrival on each node since base; 0: not (yet)
	got       int
	last      time.Duration // the latest arrival
}

// leaderEvent is a "new leader" system message seen on a node's stream.
type leaderEvent struct {
	node int
	at   time.Duration
}

// maxDups bounds the duplicates kept for the report.
const maxDups = 20

func newTracker(nodes, size int) *tracker {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &tracker{prefix: "rb " + hex.EncodeToString(b[:]) + " ", size: size, nodes: nodes,
		base: time.Now(), dead: make([]bool, nodes), arrived: make([]int, nodes)}
}

// markDead notes that node k was killed.
func (t *tracker) markDead(k int) {
	t.mu.Lock()
	t.dead[k] = true
	t.mu.Unlock()
}

// since is t as a duration since the tracker started.
func (t *tracker) since(at time.Time) time.Duration { return at.Sub(t.base) }

// add registers a message said at sent that need nodes must receive, and
// returns its index and text.
func (t *tracker) add(need int, sent time.Time) (int, string) {
	r := &msgRec{sent: t.since(sent), need: need, at: make([]time.Duration, t.nodes)}
	t.mu.Lock()
	i := len(t.msgs)
	t.msgs = append(t.msgs, r)
	t.mu.Unlock()
	return i, t.text(i)
}

// text is message i's chat text: the run's prefix, the index, padding.
func (t *tracker) text(i int) string {
	s := t.prefix + strconv.Itoa(i) + " "
	if len(s) < t.size {
		s += strings.Repeat("x", t.size-len(s))
	}
	return s
}

// index reads a message index back from text; ok is false for a text this
// run did not say.
func (t *tracker) index(text string) (int, bool) {
	rest, ok := strings.CutPrefix(text, t.prefix)
	if !ok {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, " ")
	i, err := strconv.Atoi(num)
	return i, err == nil && i >= 0
}

// observe takes one message from node k's stream, arrived at at.
func (t *tracker) observe(k int, m chat.Message, at time.Time) {
	d := t.since(at)
	if m.Kind == chat.KindSystem && m.Presence == protocol.PresenceLeader {
		t.mu.Lock()
		t.leaders = append(t.leaders, leaderEvent{node: k, at: d})
		t.mu.Unlock()
		return
	}
	if m.Kind != chat.KindChat {
		return
	}
	i, ok := t.index(m.Text)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i >= len(t.msgs) || k >= t.nodes {
		return
	}
	r := t.msgs[i]
	if r.withdrawn {
		return
	}
	if r.at[k] != 0 {
		if len(t.dups) < maxDups {
			t.dups = append(t.dups, "message "+strconv.Itoa(i)+" (seq "+strconv.FormatUint(m.Seq, 10)+") twice on node "+strconv.Itoa(k+1))
		}
		return
	}
	r.at[k] = max(d, 1)
	t.arrived[k]++
	r.got++
	r.last = max(r.last, d)
	if r.got == r.need {
		t.completed++
	}
}

// withdraw forgets message i, which was never handed to a say stream.
func (t *tracker) withdraw(i int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.msgs[i]; !r.withdrawn {
		r.withdrawn = true
		t.withdrawn++
	}
}

// counts are how many messages were said and completed so far.
func (t *tracker) counts() (said, completed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.msgs) - t.withdrawn, t.completed
}

// next is the index the next message will get.
func (t *tracker) next() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.msgs)
}

// slowest is the live node that showed the fewest messages, and how many.
func (t *tracker) slowest() (node, arrived int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	node, arrived = -1, 0
	for k, n := range t.arrived {
		if !t.dead[k] && (node < 0 || n < arrived) {
			node, arrived = k, n
		}
	}
	return node, arrived
}

// isComplete says whether message i reached every node it must.
func (t *tracker) isComplete(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return i < len(t.msgs) && t.msgs[i].got >= t.msgs[i].need
}

// firstIncomplete is the first message of from..hi-1 that is neither
// complete nor withdrawn, hi if there is none. Waits call it with the last
// answer, so each poll scans only what arrived since.
func (t *tracker) firstIncomplete(from, hi int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	hi = min(hi, len(t.msgs))
	for ; from < hi; from++ {
		if r := t.msgs[from]; !r.withdrawn && r.got < r.need {
			return from
		}
	}
	return hi
}

// duplicates are the messages seen twice on one node.
func (t *tracker) duplicates() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.dups...)
}

// leadersSince are the "new leader" events seen after from.
func (t *tracker) leadersSince(from time.Duration) []leaderEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []leaderEvent
	for _, e := range t.leaders {
		if e.at >= from {
			out = append(out, e)
		}
	}
	return out
}

// span summarises messages lo..hi-1.
type span struct {
	said       int
	complete   int
	firstSent  time.Duration
	lastArrive time.Duration   // the latest arrival of a complete message
	toAll      []time.Duration // per complete message: said -> on every node
	toEach     []time.Duration // per arrival: said -> on that node
	missing    map[int]int     // node index -> messages it lacks
}

// summarise collects the arrivals of messages lo..hi-1; with latencies it
// also lists every latency.
func (t *tracker) summarise(lo, hi int, latencies bool) span {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := span{missing: map[int]int{}}
	hi = min(hi, len(t.msgs))
	for i := lo; i < hi; i++ {
		r := t.msgs[i]
		if r.withdrawn {
			continue
		}
		if s.said == 0 || r.sent < s.firstSent {
			s.firstSent = r.sent
		}
		s.said++
		if r.got < r.need {
			for k, a := range r.at {
				if a == 0 && !t.dead[k] {
					s.missing[k]++
				}
			}
			continue
		}
		s.complete++
		s.lastArrive = max(s.lastArrive, r.last)
		if !latencies {
			continue
		}
		s.toAll = append(s.toAll, r.last-r.sent)
		for _, a := range r.at {
			if a != 0 {
				s.toEach = append(s.toEach, a-r.sent)
			}
		}
	}
	return s
}
