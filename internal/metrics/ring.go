package metrics

import (
	"io"
	"strconv"
	"strings"

	"github.com/ringchat/ring/daemon/chat"
)

// states are the values of status.state; ring_state has one series each.
var states = []string{chat.StateDetached, chat.StateJoining, chat.StateMember, chat.StateElecting, chat.StateNoQuorum, chat.StateLeaving}

// The help texts of the ring's families. All of them are gauges: last_seq
// and epoch can go back when a node joins another ring or cuts its history
// to the leader's.
const (
	helpBuildInfo = "Version and commit ringd was built from; always 1."
	helpInfo      = "This node: its id, name and peer address, and the id of its ring (empty while detached or joining); always 1."
	helpState     = "1 for the node's current state (detached, joining, member, electing, no-quorum, leaving), 0 for the others."
	helpIsLeader  = "1 while this node is the leader of its ring, else 0."
	helpMembers   = "Members in this node's view of the ring; 0 while detached or joining."
	helpEpoch     = "The ring's current epoch as this node knows it; each election starts a new one."
	helpLastSeq   = "Sequence number of the last message stored on this node."
	helpLamport   = "This node's Lamport clock."
	helpCommitSeq = "Sequence number up to which this node's messages are committed: stored by a majority of the ring, and shown."
	helpCommitLag = "Messages stored on this node but not committed yet (last_seq - commit_seq); it grows in a part of the ring without quorum."
	helpQuorum    = "Members needed for a majority of this node's view; 0 while detached or joining."
	helpReachable = "Members of the view this node hears, itself included; below ring_quorum the node has no quorum."
)

// writeRing writes the ring's families for one Status in the Prometheus
// text format.
func writeRing(w *exposition, st chat.Status) {
	w.family("ring_info", helpInfo)
	w.sample("ring_info", 1, "addr", st.Addr, "id", st.ID, "name", st.Name, "ring", st.Ring)

	w.family("ring_state", helpState)
	known := false
	for _, s := range states {
		known = known || s == st.State
		w.sample("ring_state", b2u(s == st.State), "state", s)
	}
	if !known && st.State != "" {
		w.sample("ring_state", 1, "state", st.State) // a state added after this list
	}

	w.gauge("ring_is_leader", helpIsLeader, b2u(st.Leader.ID != "" && st.Leader.ID == st.ID))
	w.gauge("ring_members", helpMembers, uint64(max(st.Members, 0)))
	w.gauge("ring_epoch", helpEpoch, st.Epoch)
	w.gauge("ring_last_seq", helpLastSeq, st.LastSeq)
	w.gauge("ring_lamport", helpLamport, st.Lamport)
	w.gauge("ring_commit_seq", helpCommitSeq, st.CommitSeq)
	w.gauge("ring_commit_lag", helpCommitLag, st.LastSeq-min(st.CommitSeq, st.LastSeq))
	w.gauge("ring_quorum", helpQuorum, uint64(max(st.Quorum, 0)))
	w.gauge("ring_reachable", helpReachable, uint64(max(st.Reachable, 0)))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// exposition writes gauge families in the Prometheus text format (0.0.4).
// The names are this package's constants; only label values come from
// outside, and they are escaped.
type exposition struct{ w io.Writer }

func (e *exposition) family(name, help string) {
	io.WriteString(e.w, "# HELP "+name+" "+helpEscaper.Replace(help)+"\n# TYPE "+name+" gauge\n")
}

func (e *exposition) gauge(name, help string, v uint64) {
	e.family(name, help)
	e.sample(name, v)
}

// sample writes one series; labels are name, value pairs.
func (e *exposition) sample(name string, v uint64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	for i := 0; i+1 < len(labels); i += 2 {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		b.WriteByte(sep)
		b.WriteString(labels[i] + `="` + labelEscaper.Replace(labels[i+1]) + `"`)
	}
	if len(labels) >= 2 {
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(strconv.FormatUint(v, 10))
	b.WriteByte('\n')
	io.WriteString(e.w, b.String())
}

// The text format escapes \ and newline in help texts, and also " in label
// values; nothing else.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)
