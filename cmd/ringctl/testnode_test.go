package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/testutil"
	"github.com/ringchat/ring/ipc"
	"github.com/ringchat/ring/ipc/client"
)

// testNode is a real node with its real local API on a socket in a temp dir.
type testNode struct {
	socket string
	node   *node.Node
}

func startTestNode(t *testing.T, name string) *testNode {
	t.Helper()
	dir := testutil.ShortTempDir(t)
	sock := filepath.Join(dir, "s", "ringd.sock") // short: socket paths are limited to 108 bytes
	ln, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	node, err := node.New(node.Options{Settings: node.Settings{Name: name, Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data")}})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = node.Run(ctx) })
	wg.Go(func() { _ = ipc.NewServer(node, nil).Serve(ctx, ln) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	tn := &testNode{socket: sock, node: node}
	waitFor(t, 5*time.Second, "node answers status as a member of its ring", func() bool {
		st, err := client.New(sock).Status(context.Background())
		return err == nil && st.State == chat.StateMember
	})
	return tn
}

// waitFor polls cond until it holds or the deadline passes.
var waitFor = testutil.WaitFor

// runCtl runs ringctl in-process with the given stdin and returns stdout,
// stderr and the exit code.
func runCtl(ctx context.Context, stdin string, args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	ios := cli.Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut}
	code := execute(ctx, args, ios, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

type syncBuffer = testutil.SyncBuffer
