package ring_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ringchat/ring/daemon/ring"
	"github.com/ringchat/ring/daemon/ring/ringtest"
	"github.com/ringchat/ring/protocol"
)

// benchRing forms a ring of size members in the simulator and returns its
// leader and one plain member, with nothing left in flight.
func benchRing(b *testing.B, size int) (leader, member *ringtest.Node) {
	b.Helper()
	s := ringtest.New(b, 1)
	nodes := make([]*ringtest.Node, size)
	for i := range nodes {
		nodes[i] = s.Add(fmt.Sprintf("n%d", i+1), "")
	}
	nodes[0].M.Found()
	s.Collect(nodes[0])
	for _, n := range nodes[1:] {
		n.M.Join(protocol.NodeInfo{Addr: nodes[0].Info.Addr})
		s.Collect(n)
		s.Settle()
	}
	s.CheckAgreement()
	if !nodes[0].M.IsLeader() || len(nodes[0].M.View().Members) != size {
		b.Fatalf("ring not formed: leader %v, %d members", nodes[0].M.Leader(), len(nodes[0].M.View().Members))
	}
	return nodes[0], nodes[1]
}

var benchText = strings.Repeat("x", 100) // ringbench's default message size

// trimLog keeps the in-memory log short, as retention would: the node's
// real log (daemon.durableLog) holds only what is not yet durable, so a
// ring.MemLog that grows for ever would make the benchmark measure its copying.
func trimLog(l *ring.MemLog) {
	if n := len(l.Entries); n >= 1024 {
		last := l.Entries[n-1]
		l.FloorSeq, l.FloorEpoch = last.Seq, last.Epoch
		l.Entries = l.Entries[:0]
	}
}

// BenchmarkLeaderSequence is the sequencer step: the leader takes batch
// Submits of one member, numbers them, appends them to its log and emits
// one Deliver per other member (collected with ring.Ready, not encoded or sent).
// batch=1 is one message per driver cycle, as at a low rate; under load a
// driver cycle takes many inputs before ring.Ready, and the broadcasts join.
func BenchmarkLeaderSequence(b *testing.B) {
	for _, size := range []int{3, 5, 15} {
		for _, batch := range []int{1, 64} {
			b.Run(fmt.Sprintf("members=%d/batch=%d", size, batch), func(b *testing.B) {
				leader, member := benchRing(b, size)
				first := leader.Log.LastSeq()
				h := protocol.Header{From: member.Info.ID, Epoch: leader.M.Epoch()}
				e := protocol.Entry{OriginID: member.Info.ID, Kind: protocol.KindChat, Text: benchText,
					FromName: member.Info.Name, FromAddr: member.Info.Addr}
				// Joined Delivers stay within ring.JoinedBytes.
				want := (size - 1) * ((batch*ring.EntryBytes(e) + ring.JoinedBytes - 1) / ring.JoinedBytes)
				var counter uint64
				b.ReportAllocs()
				for b.Loop() {
					for range batch {
						counter++
						e.OriginCounter, e.Lamport = counter, counter
						h.Lamport = leader.M.Lamport() + 1
						leader.M.Step(h, protocol.Submit{Entry: e})
					}
					if r := leader.M.Ready(); len(r.Messages) != want {
						b.Fatalf("the leader sent %d messages for %d submits, want %d", len(r.Messages), batch, want)
					}
					trimLog(leader.Log)
				}
				if got := leader.Log.LastSeq() - first; got != counter {
					b.Fatalf("sequenced %d of %d", got, counter)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(counter), "ns/msg")
			})
		}
	}
}

// BenchmarkMemberDeliver: a member takes a Deliver of n entries from its
// leader and appends them to its log.
func BenchmarkMemberDeliver(b *testing.B) {
	for _, n := range []int{1, 128} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			leader, member := benchRing(b, 5)
			h := protocol.Header{From: leader.Info.ID, Epoch: member.M.Epoch()}
			entries := make([]protocol.Entry, n)
			seq := member.Log.LastSeq()
			counter := leader.Log.Origins()[leader.Info.ID]
			b.ReportAllocs()
			for b.Loop() {
				for i := range entries {
					seq++
					counter++
					entries[i] = protocol.Entry{Seq: seq, Epoch: h.Epoch, Lamport: seq, OriginID: leader.Info.ID,
						OriginCounter: counter, Kind: protocol.KindChat, Text: benchText,
						FromName: leader.Info.Name, FromAddr: leader.Info.Addr}
				}
				h.Lamport = member.M.Lamport() + 1
				member.M.Step(h, protocol.Deliver{Entries: entries})
				member.M.Ready()
				trimLog(member.Log)
			}
			if member.Log.LastSeq() != seq {
				b.Fatalf("member at seq %d, want %d", member.Log.LastSeq(), seq)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
		})
	}
}
