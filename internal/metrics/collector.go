package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/ringchat/ring/daemon/chat"
)

// states are the values of status.state; ring_state has one series each.
var states = []string{chat.StateDetached, chat.StateJoining, chat.StateMember, chat.StateElecting, chat.StateNoQuorum, chat.StateLeaving}

var (
	descInfo = prometheus.NewDesc("ring_info",
		"This node: its id, name and peer address, and the id of its ring (empty while detached or joining); always 1.",
		[]string{"id", "name", "addr", "ring"}, nil)
	descState = prometheus.NewDesc("ring_state",
		"1 for the node's current state (detached, joining, member, electing, no-quorum, leaving), 0 for the others.",
		[]string{"state"}, nil)
	descIsLeader = prometheus.NewDesc("ring_is_leader",
		"1 while this node is the leader of its ring, else 0.", nil, nil)
	descMembers = prometheus.NewDesc("ring_members",
		"Members in this node's view of the ring; 0 while detached or joining.", nil, nil)
	descEpoch = prometheus.NewDesc("ring_epoch",
		"The ring's current epoch as this node knows it; each election starts a new one.", nil, nil)
	descLastSeq = prometheus.NewDesc("ring_last_seq",
		"Sequence number of the last message stored on this node.", nil, nil)
	descLamport = prometheus.NewDesc("ring_lamport",
		"This node's Lamport clock.", nil, nil)
	descCommitSeq = prometheus.NewDesc("ring_commit_seq",
		"Sequence number up to which this node's messages are committed: stored by a majority of the ring, and shown.", nil, nil)
	descCommitLag = prometheus.NewDesc("ring_commit_lag",
		"Messages stored on this node but not committed yet (last_seq - commit_seq); it grows in a part of the ring without quorum.", nil, nil)
	descQuorum = prometheus.NewDesc("ring_quorum",
		"Members needed for a majority of this node's view; 0 while detached or joining.", nil, nil)
	descReachable = prometheus.NewDesc("ring_reachable",
		"Members of the view this node hears, itself included; below ring_quorum the node has no quorum.", nil, nil)
)

// ringCollector reads one Status per scrape and reports it. The values are
// gauges: last_seq and epoch can go back when a node joins another ring or
// cuts its history to the leader's.
type ringCollector struct{ src Source }

func newRingCollector(src Source) prometheus.Collector { return ringCollector{src} }

func (c ringCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInfo, descState, descIsLeader, descMembers, descEpoch, descLastSeq, descLamport,
		descCommitSeq, descCommitLag, descQuorum, descReachable} {
		ch <- d
	}
}

func (c ringCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Status()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descInfo, 1, st.ID, st.Name, st.Addr, st.Ring)
	known := false
	for _, s := range states {
		known = known || s == st.State
		gauge(descState, b2f(s == st.State), s)
	}
	if !known && st.State != "" {
		gauge(descState, 1, st.State) // a state added after this list
	}
	gauge(descIsLeader, b2f(st.Leader.ID != "" && st.Leader.ID == st.ID))
	gauge(descMembers, float64(st.Members))
	gauge(descEpoch, float64(st.Epoch))
	gauge(descLastSeq, float64(st.LastSeq))
	gauge(descLamport, float64(st.Lamport))
	gauge(descCommitSeq, float64(st.CommitSeq))
	gauge(descCommitLag, float64(st.LastSeq-min(st.CommitSeq, st.LastSeq)))
	gauge(descQuorum, float64(st.Quorum))
	gauge(descReachable, float64(st.Reachable))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
