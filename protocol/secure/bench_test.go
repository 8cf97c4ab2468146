package secure

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
)

// benchPair returns both ends of a loopback TCP connection, after the
// Noise handshake when noise is set.
func benchPair(b *testing.B, noise bool) (w io.Writer, r io.Reader) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		b.Fatal("accept failed")
	}
	b.Cleanup(func() { client.Close(); server.Close() })
	if !noise {
		return client, server
	}
	key, err := NewKey()
	if err != nil {
		b.Fatal(err)
	}
	var sc *Conn
	var serr error
	var wg sync.WaitGroup
	wg.Go(func() { sc, _, serr = Server(server, []Key{key}, []byte("bench")) })
	cc, err := Client(client, key, []byte("bench"))
	wg.Wait()
	if err != nil || serr != nil {
		b.Fatalf("handshake: client %v, server %v", err, serr)
	}
	return cc, sc
}

// BenchmarkRecordLayer streams writes of a frame's size through loopback
// TCP, in plain and through the Noise record layer (encrypt, send, check,
// decrypt), so the difference is the record layer's cost. 200 bytes is
// about one chat message's frame, 16 KiB a batch of them.
func BenchmarkRecordLayer(b *testing.B) {
	for _, mode := range []string{"plain", "noise"} {
		for _, size := range []int{200, 16 << 10} {
			b.Run(fmt.Sprintf("%s/bytes=%d", mode, size), func(b *testing.B) {
				w, r := benchPair(b, mode == "noise")
				buf := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				errc := make(chan error, 1)
				go func() {
					for range b.N {
						if _, err := w.Write(buf); err != nil {
							errc <- err
							return
						}
					}
					errc <- nil
				}()
				in := make([]byte, size)
				for range b.N {
					if _, err := io.ReadFull(r, in); err != nil {
						b.Fatal(err)
					}
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
