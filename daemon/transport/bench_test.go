package transport

import (
	"testing"
	"time"
)

// BenchmarkSendReceive sends 1 KiB chat submissions to one peer and counts
// them out of its Receive channel. Send never blocks, so the sender keeps at
// most window messages in flight to stay clear of the queue limit.
func BenchmarkSendReceive(b *testing.B) {
	const window = 2048
	a := startNode(b, 1, "", Options{})
	r := startNode(b, 2, "", Options{})
	msg := bigSubmit(1024)
	b.SetBytes(1024)
	b.ReportAllocs()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	b.ResetTimer()

	sent, received := 0, 0
	for received < b.N {
		if sent < b.N && sent-received < window {
			sent++
			a.tr.Send(r.info, uint64(sent), 0, msg)
			continue
		}
		select {
		case <-r.tr.Receive():
			received++
		case <-timeout.C:
			b.Fatalf("received %d of %d", received, b.N)
		}
	}
	b.StopTimer()
	select {
	case info := <-a.tr.Down():
		b.Fatalf("unexpected Down for %v", info)
	default:
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
