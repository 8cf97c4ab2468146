// Package directory is the member directory of a node's ring: every member
// the ring has known, with its role, presence state and when it was last
// seen, until it is reaped. It holds no clock and no lock: every call gets
// the time, and the node guards it.
package directory

import (
	"slices"
	"strings"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// Directory is the member directory of this node's ring: every member the
// ring has known. Three sources feed it:
//
//   - the presence events in the sequenced history (joined, left, died,
//     leader), the same on every node and replayed from the store on start;
//   - the views the leader installs: a member of the current view is alive
//     (or suspect), whatever the history says;
//   - this node's own observations: members its machine found gone before
//     the leader's next view, and the silence of the peers it watches.
//
// It holds no clock: every call gets the time. The node guards it with its
// mutex.
type Directory struct {
	reapAfter    time.Duration // a dead or departed member is dropped this long after; 0 never
	suspectAfter time.Duration // silence of a watched peer after which it is suspect

	ring    string // the ring whose members these are
	records map[string]*dirRecord

	view    protocol.View
	leader  string               // the leader this node follows, "" during an election
	gone    map[string]string    // view members this node found dead or saw leave
	watched map[string]time.Time // peers this node watches, since when
}

// dirRecord is what the directory holds of one member.
type dirRecord struct {
	ref      chat.NodeRef
	presence string    // the last presence event about it, "" if it was only seen in views
	at       time.Time // when that event was sequenced
	seen     time.Time // the latest evidence held that it was alive
	dropped  time.Time // when a view without it followed one with it; zero while in the view
}

func New(reapAfter, suspectAfter time.Duration) *Directory {
	d := &Directory{reapAfter: reapAfter, suspectAfter: suspectAfter}
	d.Reset("")
	return d
}

// Reset forgets every member: the node is in another ring now.
func (d *Directory) Reset(ring string) {
	d.ring = ring
	d.records = map[string]*dirRecord{}
	d.view = protocol.View{}
	d.gone = map[string]string{}
	d.watched = map[string]time.Time{}
}

func (d *Directory) record(ref chat.NodeRef) *dirRecord {
	r := d.records[ref.ID]
	if r == nil {
		r = &dirRecord{}
		d.records[ref.ID] = r
	}
	r.ref = ref
	return r
}

// Apply takes in one message of the history; only presence events count.
func (d *Directory) Apply(m chat.Message) {
	if m.Kind != chat.KindSystem || m.Presence == "" || m.About == nil || m.About.ID == "" {
		return
	}
	r := d.record(*m.About)
	r.presence, r.at = m.Presence, m.Time
	if m.Presence != protocol.PresenceDied && m.Time.After(r.seen) {
		r.seen = m.Time // it joined, led, or said goodbye then
	}
}

// SetView takes in a view the leader installed at now. A view of another
// ring starts the directory afresh: the node joined that ring.
func (d *Directory) SetView(v protocol.View, now time.Time) {
	if v.RingID != d.ring {
		d.Reset(v.RingID)
	}
	for _, p := range d.view.Members {
		if !inView(v, p.ID) {
			if r := d.records[p.ID]; r != nil {
				r.dropped = now
			}
		}
	}
	for _, p := range v.Members {
		r := d.record(chat.NodeRef{ID: p.ID, Name: p.Name, Addr: p.Addr})
		r.dropped = time.Time{}
		r.seen = now // the leader watches every member: listed now, alive now
	}
	d.view = v
}

// Observe takes in what the node's machine knows at now: the leader it
// follows, the view members it found gone and the peers it watches.
func (d *Directory) Observe(leader string, gone map[string]string, watched []string, now time.Time) {
	d.leader, d.gone = leader, gone
	for id := range d.watched {
		if !slices.Contains(watched, id) {
			delete(d.watched, id)
		}
	}
	for _, id := range watched {
		if _, ok := d.watched[id]; !ok {
			d.watched[id] = now
		}
	}
}

func inView(v protocol.View, id string) bool {
	_, ok := v.Member(id)
	return ok
}

// List returns the directory at now, given when this node last heard from
// each peer and its own id: the current view's members in ring order, then
// the others by name. Members gone for longer than reapAfter are dropped
// for good; their ids are returned so that the caller forgets them too.
func (d *Directory) List(now time.Time, heard map[string]time.Time, self string) (members []chat.Member, reaped []string) {
	members = make([]chat.Member, 0, len(d.records))
	for _, p := range d.view.Members {
		if r := d.records[p.ID]; r != nil {
			members = append(members, d.current(r, now, heard, self))
		}
	}
	var former []chat.Member
	for id, r := range d.records {
		if inView(d.view, id) {
			continue
		}
		since := r.goneSince()
		if d.reapAfter > 0 && now.Sub(since) >= d.reapAfter {
			delete(d.records, id)
			reaped = append(reaped, id)
			continue
		}
		m := chat.Member{ID: id, Name: r.ref.Name, Addr: r.ref.Addr, Role: chat.RoleMember, State: chat.PresenceDead}
		if r.presence == protocol.PresenceLeft {
			m.State = chat.PresenceLeft
		}
		m.LastSeen = latest(r.seen, heard[id])
		if m.LastSeen.IsZero() {
			m.LastSeen = r.at
		}
		former = append(former, m)
	}
	slices.SortFunc(former, func(a, b chat.Member) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	members = append(members, former...)
	for i := range members {
		members[i].LastSeen = members[i].LastSeen.UTC().Truncate(time.Second)
	}
	return members, reaped
}

// current is a member of the current view as this node sees it.
func (d *Directory) current(r *dirRecord, now time.Time, heard map[string]time.Time, self string) chat.Member {
	id := r.ref.ID
	m := chat.Member{ID: id, Name: r.ref.Name, Addr: r.ref.Addr, Role: chat.RoleMember, State: chat.PresenceAlive}
	if id == d.leader {
		m.Role = chat.RoleLeader
	}
	if id == self {
		m.LastSeen = now
		return m
	}
	m.LastSeen = latest(r.seen, heard[id])
	watchedSince, watched := d.watched[id]
	switch why, gone := d.gone[id]; {
	case gone && why == protocol.PresenceLeft:
		m.State = chat.PresenceLeft
	case gone:
		m.State = chat.PresenceDead
	case watched:
		if now.Sub(latest(m.LastSeen, watchedSince)) > d.suspectAfter {
			m.State = chat.PresenceSuspect
		}
	case d.leader != "" && d.leader != self && d.gone[d.leader] == "":
		// Only its heartbeats would say more; the leader watches it and
		// would have dropped it had it gone silent.
		m.LastSeen = latest(m.LastSeen, heard[d.leader])
	}
	return m
}

// goneSince is when a member out of the view left it, as far as known.
func (r *dirRecord) goneSince() time.Time {
	switch {
	case r.presence == protocol.PresenceDied || r.presence == protocol.PresenceLeft:
		return latest(r.at, r.dropped)
	case !r.dropped.IsZero():
		return r.dropped
	default: // out of the view with no word why: the history ends before it
		return latest(r.seen, r.at)
	}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
