package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/daemon/discovery"
)

// TestDiscoverAcrossNamespaces runs LAN discovery between hosts: three
// network namespaces whose eth0 sit on one bridge (in a fourth, so that
// nothing of the host's own network is touched). n1 and n2 each found a
// ring and answer discovery; from n3, `ringctl discover` lists both; n2
// `ringctl join`s without an address, which finds n1's ring (its own does
// not count); then n3 starts a ringd that does not answer, joins the one
// ring found the same way, and the ring has three members.
func TestDiscoverAcrossNamespaces(t *testing.T) {
	lan := newNetnsLAN(t, 3)
	n1 := lan.startRingd(t, 1, true)
	n2 := lan.startRingd(t, 2, true)

	rings := lan.waitDiscovered(t, 3, "both rings", func(rs []discovery.Ring) error {
		if len(rs) != 2 {
			return fmt.Errorf("%d rings: %+v", len(rs), rs)
		}
		return nil
	})
	for _, n := range []*netnsNode{n1, n2} {
		r := findRing(rings, n.status.Ring)
		if r == nil || r.Members != 1 || r.Leader.ID != n.status.ID || r.JoinAddr() != n.addr {
			t.Fatalf("%s's ring %s at %s: discovered %+v", n.name, n.status.Ring, n.addr, rings)
		}
	}

	st := lan.joinDiscovered(t, n2)
	if st.Members != 2 || st.Leader.ID != n1.status.ID || st.Ring != n1.status.Ring {
		t.Fatalf("n2 joined without an address and reports %+v; want n1's ring of 2", st)
	}

	n3 := lan.startRingd(t, 3, false)
	lan.waitDiscovered(t, 3, "one ring answered by n1 and n2", func(rs []discovery.Ring) error {
		if len(rs) != 1 || len(rs[0].Nodes) != 2 || rs[0].Members != 2 {
			return fmt.Errorf("%+v", rs)
		}
		return nil
	})
	st = lan.joinDiscovered(t, n3)
	if st.Members != 3 || st.Ring != n1.status.Ring {
		t.Fatalf("n3 joined without an address and reports %+v; want n1's ring of 3", st)
	}
	for _, n := range []*netnsNode{n1, n2, n3} {
		eventually(t, 10*time.Second, n.name+" counts 3 members", func() error {
			var st chat.Status
			if err := lan.ctlJSON(t, n, &st, "status"); err != nil {
				return err
			}
			if st.Members != 3 || st.Ring != n1.status.Ring {
				return fmt.Errorf("status %+v", st)
			}
			return nil
		})
	}
}

func findRing(rings []discovery.Ring, id string) *discovery.Ring {
	for i := range rings {
		if rings[i].ID == id {
			return &rings[i]
		}
	}
	return nil
}

// netnsLAN is a set of network namespaces n1, n2, ... with eth0 at
// 10.77.0.1, 10.77.0.2, ... on one bridge. Interface names are private to
// each namespace; only the namespace names must be unique on the host.
type netnsLAN struct {
	prefix string
}

func newNetnsLAN(t *testing.T, hosts int) *netnsLAN {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: creating network namespaces needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipped: creating network namespaces needs the ip command (Debian package iproute2)")
	}
	lan := &netnsLAN{prefix: fmt.Sprintf("ring-e2e-%d-%06x", os.Getpid(), rand.IntN(1<<24))}
	hub := lan.ns(0)
	if out, err := lan.addNS(t, hub); err != nil {
		t.Skipf("skipped: cannot create a network namespace here: %v: %s", err, out)
	}
	if out, err := ipRun("-n", hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"); err != nil {
		t.Skipf("skipped: cannot create a bridge in a network namespace here: %v: %s", err, out)
	}
	lan.must(t, "-n", hub, "link", "set", "br0", "up")
	for i := 1; i <= hosts; i++ {
		ns := lan.ns(i)
		if out, err := lan.addNS(t, ns); err != nil {
			t.Fatalf("ip netns add %s: %v: %s", ns, err, out)
		}
		port := fmt.Sprintf("port%d", i)
		lan.must(t, "-n", hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
		lan.must(t, "-n", hub, "link", "set", port, "master", "br0", "up")
		lan.must(t, "-n", ns, "addr", "add", lan.ip(i)+"/24", "dev", "eth0")
		lan.must(t, "-n", ns, "link", "set", "eth0", "up")
		lan.must(t, "-n", ns, "link", "set", "lo", "up")
	}
	return lan
}

// ns names namespace i: 0 is the hub holding the bridge, 1.. the hosts.
func (l *netnsLAN) ns(i int) string {
	if i == 0 {
		return l.prefix + "-hub"
	}
	return fmt.Sprintf("%s-n%d", l.prefix, i)
}

func (l *netnsLAN) ip(i int) string { return fmt.Sprintf("10.77.0.%d", i) }

// addNS creates a namespace and removes it (with every link in it) when the
// test ends.
func (l *netnsLAN) addNS(t *testing.T, name string) ([]byte, error) {
	out, err := ipRun("netns", "add", name)
	if err == nil {
		t.Cleanup(func() {
			if out, err := ipRun("netns", "del", name); err != nil {
				t.Errorf("ip netns del %s: %v: %s", name, err, out)
			}
		})
	}
	return out, err
}

func (l *netnsLAN) must(t *testing.T, args ...string) {
	t.Helper()
	if out, err := ipRun(args...); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func ipRun(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "ip", args...).CombinedOutput()
}

// netnsNode is a ringd running in host namespace i.
type netnsNode struct {
	*ringd
	host   int
	name   string
	addr   string
	status chat.Status // when it started
}

// startRingd starts ringd n<i> in namespace i, listening on its eth0
// address, answering discovery on the default group when discover is set;
// extra are more lines of its config.
func (l *netnsLAN) startRingd(t *testing.T, i int, discover bool, extra ...string) *netnsNode {
	t.Helper()
	dir := tempDir(t)
	n := &netnsNode{host: i, name: fmt.Sprintf("n%d", i), addr: l.ip(i) + ":7733"}
	socket := filepath.Join(dir, "run", "ringd.sock")
	cfg := filepath.Join(dir, "ringd.yaml")
	yaml := strings.Join([]string{
		"name: " + n.name,
		"listen: " + n.addr,
		"socket: " + socket,
		"data_dir: " + filepath.Join(dir, "data"),
		"discovery:",
		fmt.Sprintf("  enabled: %v", discover),
		"log:",
		"  format: json",
		"  level: debug",
	}, "\n") + "\n" + strings.Join(extra, "\n") + "\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	r := launchRingd(t, n.name, dir, cfg, socket, "ip", "netns", "exec", l.ns(i))
	n.ringd = r
	eventually(t, 20*time.Second, n.name+" answers as the member of a ring", func() error {
		select {
		case <-r.exited:
			t.Fatalf("%s exited with %d before answering:\n%s", n.name, r.code, r.stderr.String())
		default:
		}
		if err := l.ctlJSON(t, n, &n.status, "status"); err != nil {
			return err
		}
		if n.status.State != chat.StateMember || n.status.Ring == "" || n.status.Addr != n.addr {
			return fmt.Errorf("status %+v", n.status)
		}
		return nil
	})
	return n
}

// ctl runs ringctl in namespace host against socket (which may be "").
func (l *netnsLAN) ctl(t *testing.T, host int, socket string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if socket == "" {
		socket = "/nonexistent/ringd.sock" // discover needs no daemon
	}
	argv := append([]string{"netns", "exec", l.ns(host), ringctlBin, "-s", socket}, args...)
	cmd := exec.CommandContext(ctx, "ip", argv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			t.Fatalf("ringctl %v in %s: %v", args, l.ns(host), err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errOut.String(), code
}

func (l *netnsLAN) ctlJSON(t *testing.T, n *netnsNode, v any, args ...string) error {
	t.Helper()
	out, errOut, code := l.ctl(t, n.host, n.socket, append([]string{"-o", "json"}, args...)...)
	if code != 0 {
		return fmt.Errorf("ringctl %v: exit %d: %s", args, code, strings.TrimSpace(errOut))
	}
	return json.Unmarshal([]byte(out), v)
}

// waitDiscovered runs `ringctl discover` in namespace host until check
// accepts what it finds, and returns that.
func (l *netnsLAN) waitDiscovered(t *testing.T, host int, what string, check func([]discovery.Ring) error) []discovery.Ring {
	t.Helper()
	var rings []discovery.Ring
	eventually(t, 10*time.Second, "discover in "+l.ns(host)+" to find "+what, func() error {
		out, errOut, code := l.ctl(t, host, "", "-o", "json", "discover", "--timeout", "500ms")
		if code != 0 {
			return fmt.Errorf("discover: exit %d: %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &rings); err != nil {
			return fmt.Errorf("discover output %q: %v", out, err)
		}
		return check(rings)
	})
	return rings
}

// joinDiscovered runs `ringctl join` without an address on n, with no
// terminal, and returns the status it prints.
func (l *netnsLAN) joinDiscovered(t *testing.T, n *netnsNode) chat.Status {
	t.Helper()
	out, errOut, code := l.ctl(t, n.host, n.socket, "-o", "json", "join", "--timeout", "500ms")
	if code != 0 {
		t.Fatalf("%s: join without an address: exit %d: %s", n.name, code, errOut)
	}
	var st chat.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%s: join output %q: %v", n.name, out, err)
	}
	if !strings.Contains(errOut, "joining ring "+st.Ring) {
		t.Errorf("%s: join does not say which ring it joins: %q", n.name, errOut)
	}
	return st
}
