package store

import (
	"fmt"
	"os"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
)

const killHelperEnv = "STORE_KILL_HELPER_PATH"

// A process killed in mid-stream keeps every message whose Append returned.
func TestDurableAfterKill(t *testing.T) {
	path := tempPath(t)
	acked := testutil.KillAfterAcks(t, "TestKillHelper", killHelperEnv, path, 3000)

	s := openAt(t, path, Options{})
	if s.LastSeq() < acked {
		t.Fatalf("after kill LastSeq = %d, but %d was acknowledged", s.LastSeq(), acked)
	}
	if err := contiguous(s.After(0, 0), 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d acknowledged, %d stored", acked, s.LastSeq())
}

// TestKillHelper is the process TestDurableAfterKill kills: it appends
// without end and prints each sequence number once it is durable.
func TestKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("run by TestDurableAfterKill")
	}
	s, err := Open(Options{Path: path})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	inflight := make(chan (<-chan error), 256)
	go func() {
		for q := uint64(1); ; q++ {
			inflight <- s.AppendAsync(seqMsg(q, 1))
		}
	}()
	for q := uint64(1); ; q++ {
		if err := <-<-inflight; err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(q)
	}
}
