package ipc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/watch"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc/api"
)

// BenchmarkFollowStream measures messages per second through handleMessages
// to clients over the Unix socket: "follow" publishes b.N messages to
// watchers that follow (tail -f -n 0) as fast as the node can hand them out
// (the publisher keeps within half a watcher's buffer of the slowest
// client, so no watcher is dropped); "backlog" answers
// tail -n b.N. The clients read the body and count lines, so the figure is
// the server's, not the JSON decoding of ringctl.
func BenchmarkFollowStream(b *testing.B) {
	for _, watchers := range []int{1, 8} {
		b.Run(fmt.Sprintf("follow/watchers=%d", watchers), func(b *testing.B) { benchFollow(b, watchers) })
	}
	b.Run("backlog", benchBacklog)
}

// benchText is a chat line of a typical length.
const benchText = "the quick brown fox jumps over the lazy dog, twice over"

func benchMessage(seq uint64) chat.Message {
	m := fakeMessage(seq, benchText)
	m.Time = time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	return m
}

func benchFollow(b *testing.B, watchers int) {
	h := newHistoryNode(watch.Buffer)
	sock := serveBackend(b, h, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var wg sync.WaitGroup
	errs := make(chan error, watchers)
	read := make([]atomic.Int64, watchers) // lines each client has read
	for w := range watchers {
		// The response's headers may come with its first line: open the
		// streams beside the publisher.
		wg.Go(func() {
			body, err := openStream(ctx, sock, "n=0&follow=true")
			if err != nil {
				errs <- err
				return
			}
			defer body.Close()
			if err := countLines(body, b.N, &read[w]); err != nil {
				errs <- err
			}
		})
	}
	testutil.WaitFor(b, 5*time.Second, "the streams to subscribe", func() bool { return h.watchers() >= watchers })
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 1; i <= b.N; i++ {
		if i%64 == 0 {
			for w := range read { // bounded: the clients read until they fail
				for read[w].Load() < int64(i-watch.Buffer/2) && ctx.Err() == nil && len(errs) == 0 {
					runtime.Gosched()
				}
			}
		}
		h.publish(benchMessage(uint64(i)))
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func benchBacklog(b *testing.B) {
	h := newHistoryNode(watch.Buffer)
	msgs := make([]chat.Message, b.N)
	for i := range msgs {
		msgs[i] = benchMessage(uint64(i + 1))
	}
	h.Store(msgs...)
	sock := serveBackend(b, h, nil)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	body, err := openStream(context.Background(), sock, fmt.Sprintf("n=%d", b.N))
	if err != nil {
		b.Fatal(err)
	}
	defer body.Close()
	if err := countLines(body, b.N, nil); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// openStream starts GET /v1/messages?query on sock and returns the body.
func openStream(ctx context.Context, sock, query string) (io.ReadCloser, error) {
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://ringd"+api.PathMessages+"?"+query, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	return resp.Body, nil
}

// countLines reads r until it has seen n lines, counting them in progress
// if not nil.
func countLines(r io.Reader, n int, progress *atomic.Int64) error {
	buf := make([]byte, 256<<10)
	seen := 0
	for seen < n {
		k, err := r.Read(buf)
		seen += bytes.Count(buf[:k], []byte{'\n'})
		if progress != nil {
			progress.Store(int64(seen))
		}
		if err != nil && seen < n {
			return fmt.Errorf("after %d of %d lines: %w", seen, n, err)
		}
	}
	return nil
}
