package ring

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ringchat/ring/protocol"
)

// benchRing forms a ring of size members in the simulator and returns its
// leader and one plain member, with nothing left in flight.
func benchRing(b *testing.B, size int) (leader, member *simNode) {
	b.Helper()
	s := newSim(b, 1)
	nodes := make([]*simNode, size)
	for i := range nodes {
		nodes[i] = s.add(fmt.Sprintf("n%d", i+1), "")
	}
	nodes[0].m.Found()
	s.collect(nodes[0])
	for _, n := range nodes[1:] {
		n.m.Join(protocol.NodeInfo{Addr: nodes[0].info.Addr})
		s.collect(n)
		s.settle()
	}
	s.checkAgreement()
	if !nodes[0].m.IsLeader() || len(nodes[0].m.View().Members) != size {
		b.Fatalf("ring not formed: leader %v, %d members", nodes[0].m.Leader(), len(nodes[0].m.View().Members))
	}
	return nodes[0], nodes[1]
}

var benchText = strings.Repeat("x", 100) // ringbench's default message size

// trimLog keeps the in-memory log short, as retention would: the node's
// real log (daemon.durableLog) holds only what is not yet durable, so a
// MemLog that grows for ever would make the benchmark measure its copying.
func trimLog(l *MemLog) {
	if n := len(l.Entries); n >= 1024 {
		last := l.Entries[n-1]
		l.FloorSeq, l.FloorEpoch = last.Seq, last.Epoch
		l.Entries = l.Entries[:0]
	}
}

// BenchmarkLeaderSequence is the sequencer step: the leader takes batch
// Submits of one member, numbers them, appends them to its log and emits
// one Deliver per other member (collected with Ready, not encoded or sent).
// batch=1 is one message per driver cycle, as at a low rate; under load a
// driver cycle takes many inputs before Ready, and the broadcasts join.
func BenchmarkLeaderSequence(b *testing.B) {
	for _, size := range []int{3, 5, 15} {
		for _, batch := range []int{1, 64} {
			b.Run(fmt.Sprintf("members=%d/batch=%d", size, batch), func(b *testing.B) {
				leader, member := benchRing(b, size)
				first := leader.log.LastSeq()
				h := protocol.Header{From: member.info.ID, Epoch: leader.m.Epoch()}
				e := protocol.Entry{OriginID: member.info.ID, Kind: protocol.KindChat, Text: benchText,
					FromName: member.info.Name, FromAddr: member.info.Addr}
				// Joined Delivers stay within joinedBytes.
				want := (size - 1) * ((batch*entryBytes(e) + joinedBytes - 1) / joinedBytes)
				var counter uint64
				b.ReportAllocs()
				for b.Loop() {
					for range batch {
						counter++
						e.OriginCounter, e.Lamport = counter, counter
						h.Lamport = leader.m.Lamport() + 1
						leader.m.Step(h, protocol.Submit{Entry: e})
					}
					if r := leader.m.Ready(); len(r.Messages) != want {
						b.Fatalf("the leader sent %d messages for %d submits, want %d", len(r.Messages), batch, want)
					}
					trimLog(leader.log)
				}
				if got := leader.log.LastSeq() - first; got != counter {
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
			h := protocol.Header{From: leader.info.ID, Epoch: member.m.Epoch()}
			entries := make([]protocol.Entry, n)
			seq := member.log.LastSeq()
			counter := leader.log.Origins()[leader.info.ID]
			b.ReportAllocs()
			for b.Loop() {
				for i := range entries {
					seq++
					counter++
					entries[i] = protocol.Entry{Seq: seq, Epoch: h.Epoch, Lamport: seq, OriginID: leader.info.ID,
						OriginCounter: counter, Kind: protocol.KindChat, Text: benchText,
						FromName: leader.info.Name, FromAddr: leader.info.Addr}
				}
				h.Lamport = member.m.Lamport() + 1
				member.m.Step(h, protocol.Deliver{Entries: entries})
				member.m.Ready()
				trimLog(member.log)
			}
			if member.log.LastSeq() != seq {
				b.Fatalf("member at seq %d, want %d", member.log.LastSeq(), seq)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
		})
	}
}
