package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/limits"
	"github.com/ringchat/ring/ipc/client"
)

// startTimeout bounds the wait for a started ringd to answer on its socket.
const startTimeout = 15 * time.Second

// process is a ringd started by ringbench; its output goes to a log file.
type process struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error
}

// logTail is the end of the process's log, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 4096
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimRight(string(b), "\n")
}

// spawn starts n ringd processes, each a one-node ring of its own with its
// own config, data dir, socket and log under one temporary directory, and
// waits until every one answers on its socket.
func spawn(ctx context.Context, ringd string, n int, secret, keep bool) (*cluster, error) {
	dir, err := os.MkdirTemp("", "ringbench-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, keep: keep}
	secretFile := ""
	if secret {
		secretFile = filepath.Join(dir, "secret")
		out, err := exec.CommandContext(ctx, ringd, "keygen", "-o", secretFile).CombinedOutput()
		if err != nil {
			c.close(false)
			return nil, fmt.Errorf("ringd keygen: %v: %s", err, out)
		}
	}
	for i := range n {
		nd, err := startNode(ringd, dir, fmt.Sprintf("n%d", i+1), secretFile, joinBurst(n))
		if err != nil {
			c.close(false)
			return nil, err
		}
		c.nodes = append(c.nodes, nd)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, nd := range c.nodes {
		wg.Go(func() { errs[i] = nd.awaitStart(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			c.close(false)
			return nil, err
		}
	}
	return c, nil
}

// defaultJoinBurst is ringd's limits.join_burst.
const defaultJoinBurst = limits.JoinBurst

// joinBurst is the limits.join_burst of an n-node bench ring, 0 for the
// default. ringbench joins every node within a second or so; past the
// default burst the leader would drop join requests over limits.join_rate
// (10 a second), and a dropped joiner waits for its join timeout. Larger
// rings raise the burst so that the join phase measures joining.
func joinBurst(n int) int {
	if n <= defaultJoinBurst {
		return 0
	}
	return n + 10
}

// startNode writes a node's config and starts `ringd run -c` on it.
func startNode(ringd, root, name, secretFile string, burst int) (*node, error) {
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	socket := filepath.Join(dir, "ringd.sock")
	lines := []string{
		"name: " + name,
		"listen: 127.0.0.1:0",
		"socket: " + socket,
		"data_dir: " + filepath.Join(dir, "data"),
		"log:",
		"  format: json",
	}
	if secretFile != "" {
		lines = append(lines, "secret_file: "+secretFile)
	}
	if burst > 0 {
		lines = append(lines, "limits:", fmt.Sprintf("  join_burst: %d", burst))
	}
	cfg := filepath.Join(dir, "ringd.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "ringd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(ringd, "run", "-c", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", ringd, err)
	}
	p := &process{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	return &node{name: name, socket: socket, cl: client.New(socket), pid: cmd.Process.Pid, proc: p}, nil
}

// awaitStart polls the node's socket until it answers as the member of its
// own one-node ring, and learns its id and address.
func (n *node) awaitStart(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-n.proc.exited:
			return fmt.Errorf("ringd %s exited at start (%v); its log:\n%s", n.name, n.proc.waitErr, n.proc.logTail())
		default:
		}
		st, err := n.status(ctx)
		if err == nil && st.State == chat.StateMember {
			n.id, n.addr = st.ID, st.Addr
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ringd %s did not answer as a member on %s within %v (last: state %q, %v); its log:\n%s",
				n.name, n.socket, startTimeout, st.State, err, n.proc.logTail())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stopWait bounds the wait for a killed process to be reaped.
const stopWait = 5 * time.Second

// close kills the started daemons and removes their directory, unless it
// is to be kept (--keep, or failed: the logs explain the failure). It
// returns the directory kept, "" if none.
func (c *cluster) close(failed bool) string {
	for _, n := range c.nodes {
		if n.proc != nil {
			_ = n.proc.cmd.Process.Kill()
		}
	}
	for _, n := range c.nodes {
		if n.proc == nil {
			continue
		}
		select {
		case <-n.proc.exited:
		case <-time.After(stopWait):
		}
	}
	if c.dir == "" {
		return ""
	}
	if c.keep || failed {
		return c.dir
	}
	os.RemoveAll(c.dir)
	return ""
}
