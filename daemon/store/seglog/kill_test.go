package seglog

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/ringchat/ring/internal/testutil"
)

const killHelperEnv = "SEGLOG_KILL_HELPER_DIR"

// A process killed while it appends keeps every batch whose Append
// returned, and the log opens cleanly after it.
func TestDurableAfterKill(t *testing.T) {
	dir := t.TempDir()
	acked := int(testutil.KillAfterAcks(t, "TestKillHelper", killHelperEnv, dir, 2000))
	_, got := openLog(t, dir, Options{SegmentSize: 64 << 10})
	// Every batch k holds k%5+1 records "k.i"; they must come back whole
	// and in order, every acknowledged batch among them.
	batch, i := 1, 0
	for _, r := range got {
		if want := fmt.Sprintf("%d.%d", batch, i); string(r.payload) != want {
			t.Fatalf("record %q where %q was due", r.payload, want)
		}
		if i++; i == batch%5+1 {
			batch, i = batch+1, 0
		}
	}
	if i != 0 {
		t.Fatalf("batch %d came back with %d of its %d records", batch, i, batch%5+1)
	}
	if batch-1 < acked {
		t.Fatalf("%d batches came back, %d were acknowledged", batch-1, acked)
	}
	t.Logf("killed after %d acknowledged batches, %d stored", acked, batch-1)
}

// TestKillHelper is the process TestDurableAfterKill kills: it appends
// batches without end and prints each one's number once it is durable.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv(killHelperEnv)
	if dir == "" {
		t.Skip("run by TestDurableAfterKill")
	}
	l, err := Open(Options{Dir: dir, SegmentSize: 64 << 10}, func(Pos, []byte) error { return nil })
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	for batch := 1; ; batch++ {
		recs := make([][]byte, batch%5+1)
		for i := range recs {
			recs[i] = []byte(strconv.Itoa(batch) + "." + strconv.Itoa(i))
		}
		if _, err := l.Append(recs); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Fprintln(w, batch)
		w.Flush()
	}
}
