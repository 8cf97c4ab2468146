package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/ipc/client"
)

type sayCall struct{ text, to string }

// fakeAPI stands in for the daemon in the model's unit tests.
type fakeAPI struct {
	mu      sync.Mutex
	says    []sayCall
	st      chat.Status
	members []chat.Member
	sayErr  error
}

func (f *fakeAPI) Status(context.Context) (chat.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st, nil
}

func (f *fakeAPI) Members(context.Context) ([]chat.Member, error) { return f.members, nil }

func (f *fakeAPI) Say(_ context.Context, text, to string) (chat.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.says = append(f.says, sayCall{text, to})
	if to != "" {
		return chat.Receipt{}, &client.APIError{StatusCode: http.StatusBadRequest, Message: `invalid recipient: no member of the ring is named "bob"`}
	}
	return chat.Receipt{Seq: uint64(len(f.says))}, f.sayErr
}

func (f *fakeAPI) sayCalls() []sayCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sayCall(nil), f.says...)
}

var (
	alice = chat.NodeRef{ID: "a1", Name: "alice", Addr: "127.0.0.1:7001"}
	bob   = chat.NodeRef{ID: "b2", Name: "bob", Addr: "127.0.0.1:7002"}
)

func newTestModel(t *testing.T, api *fakeAPI) *chatModel {
	t.Helper()
	st := chat.Status{ID: alice.ID, Name: alice.Name, Addr: alice.Addr, State: chat.StateMember, Leader: alice, Members: 1}
	m := newChatModel(api, st, newChatStyles(lipgloss.NewRenderer(io.Discard)))
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	return m
}

func typeText(m *chatModel, s string) {
	for _, r := range s {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// enter types line and presses Enter, returning the command the model issued.
func enter(m *chatModel, line string) tea.Cmd {
	typeText(m, line)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	return cmd
}

// run executes cmd the way the program would and returns its message.
func run(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("expected a command, got none")
	}
	return cmd()
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func msgAt(seq uint64, from chat.NodeRef, text string) chat.Message {
	return chat.Message{Seq: seq, Lamport: seq, Kind: chat.KindChat, From: from, Text: text, Time: time.Unix(0, 0)}
}

func TestChatModelEnterSays(t *testing.T) {
	api := &fakeAPI{}
	m := newTestModel(t, api)
	cmd := enter(m, "hello")
	if m.input.Value() != "" {
		t.Fatalf("prompt not cleared: %q", m.input.Value())
	}
	msg := run(t, cmd)
	done, ok := msg.(sayDoneMsg)
	if !ok {
		t.Fatalf("enter issued %T, want sayDoneMsg", msg)
	}
	if got := api.sayCalls(); len(got) != 1 || got[0] != (sayCall{"hello", ""}) {
		t.Fatalf("says = %v, want one say of hello to everyone", got)
	}
	if _, cmd := m.Update(done); cmd != nil {
		t.Fatalf("a successful say issued a command: %v", cmd())
	}
	if strings.Contains(m.View(), "not sent") {
		t.Fatalf("a successful say shows an error:\n%s", m.View())
	}
	if run(t, enter(m, "//etc is a path")); api.sayCalls()[1].text != "/etc is a path" {
		t.Fatalf("// did not escape the slash: %v", api.sayCalls())
	}
}

func TestChatModelBlankLineSendsNothing(t *testing.T) {
	api := &fakeAPI{}
	m := newTestModel(t, api)
	if cmd := enter(m, "   "); cmd != nil {
		t.Fatalf("blank line issued a command")
	}
	if len(api.sayCalls()) != 0 {
		t.Fatalf("blank line was said: %v", api.sayCalls())
	}
}

func TestChatModelQuits(t *testing.T) {
	for _, line := range []string{"/exit", "/quit", "/exit  "} {
		m := newTestModel(t, &fakeAPI{})
		if cmd := enter(m, line); !isQuit(cmd) {
			t.Errorf("%q did not quit", line)
		}
	}
	m := newTestModel(t, &fakeAPI{})
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); !isQuit(cmd) {
		t.Error("ctrl+c did not quit")
	}
	m = newTestModel(t, &fakeAPI{})
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlD}); !isQuit(cmd) {
		t.Error("ctrl+d on an empty prompt did not quit")
	}
	m = newTestModel(t, &fakeAPI{})
	typeText(m, "draft")
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlD}); isQuit(cmd) {
		t.Error("ctrl+d quit with text at the prompt")
	}
	m = newTestModel(t, &fakeAPI{})
	if _, cmd := m.Update(inputClosedMsg{}); !isQuit(cmd) {
		t.Error("end of input did not quit")
	}
}

func TestChatModelExitWaitsForSaysInFlight(t *testing.T) {
	m := newTestModel(t, &fakeAPI{})
	sayCmd := enter(m, "last words")
	if cmd := enter(m, "/exit"); cmd != nil {
		t.Fatalf("/exit with a say in flight issued %v", cmd())
	}
	if _, cmd := m.Update(run(t, sayCmd)); !isQuit(cmd) {
		t.Fatal("did not quit once the say in flight was answered")
	}
}

func TestChatModelWho(t *testing.T) {
	api := &fakeAPI{members: []chat.Member{
		{ID: alice.ID, Name: "alice", Addr: alice.Addr, Role: chat.RoleLeader, State: chat.PresenceAlive},
		{ID: bob.ID, Name: "bob", Addr: bob.Addr, Role: chat.RoleMember, State: chat.PresenceSuspect},
	}}
	m := newTestModel(t, api)
	msg := run(t, enter(m, "/who"))
	if _, ok := msg.(membersMsg); !ok {
		t.Fatalf("/who issued %T, want membersMsg", msg)
	}
	m.Update(msg)
	v := m.View()
	for _, want := range []string{"members (2)", "alice", "127.0.0.1:7001", "leader", "bob", "127.0.0.1:7002", "suspect"} {
		if !strings.Contains(v, want) {
			t.Errorf("/who view lacks %q:\n%s", want, v)
		}
	}
}

func TestChatModelDirectMessageErrorInline(t *testing.T) {
	api := &fakeAPI{}
	m := newTestModel(t, api)
	msg := run(t, enter(m, "/msg bob see you at noon"))
	if got := api.sayCalls(); len(got) != 1 || got[0] != (sayCall{"see you at noon", "bob"}) {
		t.Fatalf("says = %v, want one direct say to bob", got)
	}
	if _, cmd := m.Update(msg); isQuit(cmd) {
		t.Fatal("an error quit the chat")
	}
	v := m.View()
	if !strings.Contains(v, "direct message to bob not sent") || !strings.Contains(v, "no member of the ring is named") {
		t.Fatalf("error not shown inline:\n%s", v)
	}
	if cmd := enter(m, "/msg bob"); cmd != nil || !strings.Contains(m.View(), "usage: /msg NAME TEXT") {
		t.Fatalf("/msg without text: cmd %v, view:\n%s", cmd, m.View())
	}
}

func TestChatModelSayErrorInline(t *testing.T) {
	api := &fakeAPI{sayErr: &client.NoDaemonError{Socket: "/run/ring.sock", Err: errors.New("connect: no such file")}}
	m := newTestModel(t, api)
	if _, cmd := m.Update(run(t, enter(m, "anyone?"))); cmd != nil {
		t.Fatalf("a failed say issued a command")
	}
	if v := m.View(); !strings.Contains(v, "not sent: ringd is not answering at /run/ring.sock") {
		t.Fatalf("error not shown inline:\n%s", v)
	}
	m.Update(streamErrMsg{errors.New("connection reset")})
	if v := m.View(); !strings.Contains(v, "message stream: connection reset") {
		t.Fatalf("stream error not shown inline:\n%s", v)
	}
}

func TestChatModelRefusesControlCharacters(t *testing.T) {
	api := &fakeAPI{}
	m := newTestModel(t, api)
	// The prompt drops control characters as they are typed, so submit is
	// the way such text could still arrive.
	if cmd := m.submit("clear\x1b[2J"); cmd != nil {
		t.Fatal("text with an escape issued a command")
	}
	if len(api.sayCalls()) != 0 {
		t.Fatalf("text with an escape was said: %v", api.sayCalls())
	}
	if v := m.View(); !strings.Contains(v, "not sent: message carries control character U+001B") {
		t.Fatalf("refusal not shown:\n%s", v)
	}
}

func TestChatModelUnknownCommandAndHelp(t *testing.T) {
	m := newTestModel(t, &fakeAPI{})
	if cmd := enter(m, "/frobnicate now"); cmd != nil {
		t.Fatal("unknown command issued a command")
	}
	if v := m.View(); !strings.Contains(v, "unknown command /frobnicate") || !strings.Contains(v, "/help") {
		t.Fatalf("no hint for an unknown command:\n%s", v)
	}
	enter(m, "/help")
	for _, want := range []string{"/who", "/msg NAME TEXT", "/exit"} {
		if !strings.Contains(m.View(), want) {
			t.Errorf("/help lacks %q:\n%s", want, m.View())
		}
	}
}

func TestChatModelNeutralisesIncomingEscapes(t *testing.T) {
	m := newTestModel(t, &fakeAPI{})
	m.Update(incomingMsg{msgAt(7, bob, "boo\x1b[2J\x1b]52;c;aGk=\x07")})
	v := m.View()
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x07") {
		t.Fatalf("escape reached the screen: %q", v)
	}
	if !strings.Contains(v, "#7 bob(127.0.0.1:7002)[7]: boo^[[2J^[]52;c;aGk=^G") {
		t.Fatalf("message not shown neutralised:\n%s", v)
	}
}

func TestChatModelHighlightsOwnMessages(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	m := newChatModel(&fakeAPI{}, chat.Status{ID: alice.ID, Name: "alice"}, newChatStyles(r))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 10})
	m.Update(incomingMsg{msgAt(1, alice, "mine")})
	m.Update(incomingMsg{msgAt(2, bob, "theirs")})
	var own, other string
	for _, l := range strings.Split(m.View(), "\n") {
		switch {
		case strings.Contains(l, "mine"):
			own = l
		case strings.Contains(l, "theirs"):
			other = l
		}
	}
	if !strings.Contains(own, "\x1b[38;5;117m") {
		t.Errorf("own message not highlighted: %q", own)
	}
	if strings.Contains(other, "\x1b[38;5;117m") {
		t.Errorf("someone else's message highlighted: %q", other)
	}
}

func TestChatModelSystemMessageRefreshesHeader(t *testing.T) {
	api := &fakeAPI{}
	m := newTestModel(t, api)
	if v := m.View(); !strings.Contains(strings.Split(v, "\n")[0], "alice (member) · leader alice · 1 member") {
		t.Fatalf("header: %q", strings.Split(v, "\n")[0])
	}
	api.mu.Lock()
	api.st = chat.Status{ID: alice.ID, Name: "alice", State: chat.StateMember, Leader: bob, Members: 2}
	api.mu.Unlock()
	sys := chat.Message{Seq: 9, Kind: chat.KindSystem, From: bob, Text: "bob joined"}
	_, cmd := m.Update(incomingMsg{sys})
	m.Update(run(t, cmd))
	if h := strings.Split(m.View(), "\n")[0]; !strings.Contains(h, "leader bob · 2 members") {
		t.Fatalf("header not refreshed after a system message: %q", h)
	}
	if _, cmd := m.Update(incomingMsg{msgAt(10, bob, "hi")}); cmd != nil {
		t.Fatal("a chat message asked for a status refresh")
	}
	if h := strings.Split(m.View(), "\n")[0]; strings.Contains(h, "no quorum") {
		t.Fatalf("header speaks of no quorum in a ring that has one: %q", h)
	}
}

// TestChatModelHeaderShowsNoQuorum: the notice that the node lost its
// quorum refreshes the header, which then says how many members it reaches
// and how many are needed.
func TestChatModelHeaderShowsNoQuorum(t *testing.T) {
	api := &fakeAPI{}
	m := newTestModel(t, api)
	api.mu.Lock()
	api.st = chat.Status{ID: alice.ID, Name: "alice", State: chat.StateNoQuorum, Members: 5, Quorum: 3, Reachable: 2}
	api.mu.Unlock()
	notice := chat.Message{Kind: chat.KindSystem, From: alice, Text: "no quorum: this node reaches 2 of 5 members, 3 are needed"}
	_, cmd := m.Update(incomingMsg{notice})
	m.Update(run(t, cmd))
	if h := strings.Split(m.View(), "\n")[0]; !strings.Contains(h, "alice (no-quorum) · leader - · 5 members · no quorum: reaches 2, 3 needed") {
		t.Fatalf("header: %q", h)
	}
}

func TestChatModelScrollsUnlessScrolledUp(t *testing.T) {
	m := newTestModel(t, &fakeAPI{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 10})
	for i := 1; i <= 40; i++ {
		m.Update(incomingMsg{msgAt(uint64(i), bob, fmt.Sprintf("line %d.", i))})
	}
	if v := m.View(); !strings.Contains(v, "line 40.") || strings.Contains(v, "line 30.") {
		t.Fatalf("not following the bottom:\n%s", v)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyPgUp})
	m.Update(incomingMsg{msgAt(41, bob, "line 41.")})
	v := m.View()
	if strings.Contains(v, "line 41.") || strings.Contains(v, "line 40.") {
		t.Fatalf("jumped to the bottom while scrolled up:\n%s", v)
	}
	if !strings.Contains(v, "more below") {
		t.Fatalf("no sign of more below:\n%s", v)
	}
	for i := 0; i < 5 && !strings.Contains(m.View(), "line 41."); i++ {
		m.Update(tea.KeyMsg{Type: tea.KeyPgDown})
	}
	m.Update(incomingMsg{msgAt(42, bob, "line 42.")})
	if v := m.View(); !strings.Contains(v, "line 42.") || strings.Contains(v, "more below") {
		t.Fatalf("not following again at the bottom:\n%s", v)
	}
}

func TestChatModelResizeWraps(t *testing.T) {
	m := newTestModel(t, &fakeAPI{})
	m.Update(incomingMsg{msgAt(1, bob, strings.Repeat("word ", 30)+"END")})
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 12})
	v := m.View()
	if n := strings.Count(v, "\n") + 1; n != 12 {
		t.Fatalf("view is %d lines high, want 12:\n%s", n, v)
	}
	for _, l := range strings.Split(v, "\n") {
		if w := lipgloss.Width(l); w > 40 {
			t.Fatalf("line %q is %d wide, want at most 40", l, w)
		}
	}
	if !strings.Contains(v, "END") {
		t.Fatalf("wrapped message lost its end:\n%s", v)
	}
}

// chatSession runs `ringctl chat` against sock with a pipe for its input.
type chatSession struct {
	in   *io.PipeWriter
	out  *syncBuffer
	done chan error
}

func startChat(t *testing.T, sock string) *chatSession {
	t.Helper()
	pr, pw := io.Pipe()
	s := &chatSession{in: pw, out: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	root := newRootCmd(cli.Streams{In: pr, Out: s.out, Err: s.out}, func(string) string { return "" })
	root.SetArgs([]string{"-s", sock, "chat"})
	go func() {
		err := root.ExecuteContext(ctx)
		pr.Close() // unblocks a test still typing
		s.done <- err
	}()
	t.Cleanup(func() { cancel(); pw.Close() })
	return s
}

func (s *chatSession) typeLine(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.in, line+"\r"); err != nil {
		t.Fatalf("typing %q: %v", line, err)
	}
}

func (s *chatSession) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(within):
		t.Fatalf("chat did not return within %v; screen:\n%s", within, s.out.String())
		return nil
	}
}

func historyHas(sock, text string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	found := false
	_ = client.New(sock).Messages(ctx, client.Query{N: 100}, func(m chat.Message) error {
		found = found || m.Text == text
		return nil
	})
	return found
}

func TestChatAgainstNode(t *testing.T) {
	n := startTestNode(t, "carol")
	s := startChat(t, n.socket)
	s.typeLine(t, "hello from the chat")
	waitFor(t, 10*time.Second, "the typed line in the node's history", func() bool {
		return historyHas(n.socket, "hello from the chat")
	})
	waitFor(t, 10*time.Second, "the header and the line on screen", func() bool {
		o := s.out.String()
		return strings.Contains(o, "carol (member)") && strings.Contains(o, "hello from the chat")
	})
	s.typeLine(t, "/exit")
	if err := s.wait(t, 10*time.Second); err != nil {
		t.Fatalf("chat returned %v", err)
	}
}

func TestChatEndsWithItsInput(t *testing.T) {
	n := startTestNode(t, "dave")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A bare \n is Enter when the input is a pipe; the end of the input
	// leaves once the line is sent.
	_, errOut, code := runCtl(ctx, "piped line\n", "-s", n.socket, "chat")
	if code != cli.ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !historyHas(n.socket, "piped line") {
		t.Fatal("the piped line is not in the history")
	}
}

func TestChatWithoutDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, errOut, code := runCtl(ctx, "", "-s", t.TempDir()+"/none.sock", "chat")
	if code != exitNoDaemon {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitNoDaemon, errOut)
	}
	if out != "" {
		t.Fatalf("the UI started without a daemon: %q", out)
	}
}
