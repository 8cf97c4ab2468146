package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/client"
)

const (
	// maxHistory bounds the lines the chat keeps; older ones scroll away.
	maxHistory = 2000
	// chatCallTimeout bounds each call the chat makes to the daemon, so a
	// stuck daemon shows an error instead of freezing /exit.
	chatCallTimeout = 15 * time.Second
	// chatCharLimit matches the daemon's limit on one message (it counts
	// bytes, so a long non-ASCII line may still be refused — inline).
	chatCharLimit = 4096
	defaultWidth  = 80
	defaultHeight = 24
)

// chatAPI is what the chat needs from the daemon; *client.Client has it.
type chatAPI interface {
	Status(ctx context.Context) (chat.Status, error)
	Members(ctx context.Context) ([]chat.Member, error)
	Say(ctx context.Context, text, to string) (chat.Receipt, error)
}

// Messages the model receives.
type (
	// incomingMsg is one message from the daemon's stream.
	incomingMsg struct{ m chat.Message }
	// streamErrMsg reports that the message stream broke.
	streamErrMsg struct{ err error }
	// streamBackMsg reports that the stream works again after streamErrMsg.
	streamBackMsg struct{}
	// inputClosedMsg reports that the input reached its end.
	inputClosedMsg struct{}
	statusMsg      struct {
		st  chat.Status
		err error
	}
	membersMsg struct {
		ms  []chat.Member
		err error
	}
	sayDoneMsg struct {
		to  string
		rc  chat.Receipt
		err error
	}
)

type lineKind int

const (
	lineChat lineKind = iota
	lineOwn
	lineSystem
	lineInfo
	lineError
)

type histLine struct {
	kind     lineKind
	text     string // already sanitised
	rendered string // styled and wrapped to the current width
}

type chatStyles struct {
	plain, header, own, system, info, err, hint lipgloss.Style
}

func newChatStyles(r *lipgloss.Renderer) chatStyles {
	return chatStyles{
		plain:  r.NewStyle(),
		header: r.NewStyle().Bold(true).Reverse(true),
		own:    r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "25", Dark: "117"}),
		system: r.NewStyle().Faint(true).Italic(true),
		info:   r.NewStyle().Faint(true),
		err:    r.NewStyle().Foreground(lipgloss.Color("9")).Faint(true),
		hint:   r.NewStyle().Faint(true),
	}
}

// chatModel is the interactive chat: history above, prompt below. It does
// no I/O itself; every daemon call is a tea.Cmd.
type chatModel struct {
	api      chatAPI
	st       chat.Status
	styles   chatStyles
	history  []histLine
	vp       viewport.Model
	input    textinput.Model
	width    int
	height   int
	pending  int  // says in flight
	quitting bool // leave once pending says are done
}

func newChatModel(api chatAPI, st chat.Status, styles chatStyles) *chatModel {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.Placeholder = "say something, or /help"
	ti.CharLimit = chatCharLimit
	ti.Focus()
	m := &chatModel{api: api, st: st, styles: styles, input: ti, vp: viewport.New(0, 0)}
	m.resize(defaultWidth, defaultHeight)
	return m
}

func (m *chatModel) Init() tea.Cmd { return textinput.Blink }

func (m *chatModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyMsg:
		return m, m.key(msg)
	case incomingMsg:
		return m, m.incoming(msg.m)
	case streamErrMsg:
		m.add(lineError, "message stream: "+errText(msg.err)+" (retrying)")
	case streamBackMsg:
		m.add(lineInfo, "message stream is back")
		return m, m.status() // the daemon may have restarted into another ring
	case inputClosedMsg:
		return m, m.leave()
	case statusMsg:
		if msg.err != nil {
			m.add(lineError, "status: "+errText(msg.err))
		} else {
			m.st = msg.st
		}
	case membersMsg:
		m.showMembers(msg.ms, msg.err)
	case sayDoneMsg:
		return m, m.sayDone(msg)
	default: // the cursor's blinking
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *chatModel) key(k tea.KeyMsg) tea.Cmd {
	switch k.String() {
	case "ctrl+c":
		return tea.Quit
	case "ctrl+d":
		if m.input.Value() == "" {
			return m.leave()
		}
	case "enter", "ctrl+j": // ctrl+j is a bare \n, the Enter of piped input
		line := m.input.Value()
		m.input.Reset()
		return m.submit(line)
	case "pgup", "pgdown":
		m.vp, _ = m.vp.Update(k)
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	return cmd
}

// submit acts on one line typed at the prompt.
func (m *chatModel) submit(line string) tea.Cmd {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	if strings.HasPrefix(line, "//") {
		return m.say(line[1:], "")
	}
	if !strings.HasPrefix(line, "/") {
		return m.say(line, "")
	}
	name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch name {
	case "/exit", "/quit":
		return m.leave()
	case "/help":
		m.addHelp()
	case "/who":
		return m.members()
	case "/msg":
		to, text, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if to == "" || strings.TrimSpace(text) == "" {
			m.add(lineError, "usage: /msg NAME TEXT")
			return nil
		}
		return m.say(text, to)
	default:
		m.add(lineError, fmt.Sprintf("unknown command %s — /help lists the commands", sanitize(name)))
	}
	return nil
}

func (m *chatModel) addHelp() {
	for _, l := range []string{
		"commands:",
		"  /who             list the members",
		"  /msg NAME TEXT   send a direct message to NAME",
		"  /exit, /quit     leave (also Ctrl+C, or Ctrl+D on an empty prompt)",
		"  /help            this list",
		"  //text           say a line that starts with /",
		"  PgUp/PgDn        scroll the history",
	} {
		m.add(lineInfo, l)
	}
}

func (m *chatModel) say(text, to string) tea.Cmd {
	if err := chat.CheckText(text); err != nil {
		m.add(lineError, "not sent: "+sanitize(err.Error()))
		return nil
	}
	m.pending++
	api := m.api
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), chatCallTimeout)
		defer cancel()
		rc, err := api.Say(ctx, text, to)
		return sayDoneMsg{to: to, rc: rc, err: err}
	}
}

func (m *chatModel) sayDone(d sayDoneMsg) tea.Cmd {
	m.pending--
	switch {
	case d.err != nil && d.to != "":
		m.add(lineError, fmt.Sprintf("direct message to %s not sent: %s", sanitize(d.to), errText(d.err)))
	case d.err != nil:
		m.add(lineError, "not sent: "+errText(d.err))
	case d.to != "":
		m.add(lineInfo, fmt.Sprintf("direct message to %s sent (seq %d)", sanitize(d.to), d.rc.Seq))
	}
	if m.quitting && m.pending == 0 {
		return tea.Quit
	}
	return nil
}

// leave quits, once the says already in flight have been answered.
func (m *chatModel) leave() tea.Cmd {
	m.quitting = true
	if m.pending == 0 {
		return tea.Quit
	}
	m.add(lineInfo, fmt.Sprintf("leaving once %d message(s) in flight are answered…", m.pending))
	return nil
}

func (m *chatModel) members() tea.Cmd {
	api := m.api
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), chatCallTimeout)
		defer cancel()
		ms, err := api.Members(ctx)
		return membersMsg{ms: ms, err: err}
	}
}

func (m *chatModel) status() tea.Cmd {
	api := m.api
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), chatCallTimeout)
		defer cancel()
		st, err := api.Status(ctx)
		return statusMsg{st: st, err: err}
	}
}

func (m *chatModel) showMembers(ms []chat.Member, err error) {
	if err != nil {
		m.add(lineError, "members: "+errText(err))
		return
	}
	m.add(lineInfo, fmt.Sprintf("members (%d):", len(ms)))
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tADDR\tROLE\tSTATE")
	for _, mb := range ms {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", sanitize(mb.Name), sanitize(mb.Addr), sanitize(mb.Role), sanitize(mb.State))
	}
	tw.Flush()
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		m.add(lineInfo, l)
	}
}

func (m *chatModel) incoming(msg chat.Message) tea.Cmd {
	kind := lineChat
	switch {
	case msg.Kind == chat.KindSystem:
		kind = lineSystem
	case m.st.ID != "" && msg.From.ID == m.st.ID:
		kind = lineOwn
	}
	m.add(kind, formatMessage(msg))
	if kind == lineSystem {
		// Joins, leaves and elections change the leader and the members.
		return m.status()
	}
	return nil
}

// add appends a line to the history, following it unless the user has
// scrolled up.
func (m *chatModel) add(kind lineKind, text string) {
	l := histLine{kind: kind, text: text}
	l.rendered = m.render(l)
	m.history = append(m.history, l)
	if len(m.history) > maxHistory {
		m.history = append(m.history[:0:0], m.history[len(m.history)-maxHistory:]...)
	}
	m.refresh()
}

func (m *chatModel) render(l histLine) string {
	return m.style(l.kind).Width(m.width).Render(l.text)
}

func (m *chatModel) refresh() {
	follow := m.vp.AtBottom()
	rendered := make([]string, len(m.history))
	for i, l := range m.history {
		rendered[i] = l.rendered
	}
	m.vp.SetContent(strings.Join(rendered, "\n"))
	if follow {
		m.vp.GotoBottom()
	}
}

func (m *chatModel) style(k lineKind) lipgloss.Style {
	switch k {
	case lineOwn:
		return m.styles.own
	case lineSystem:
		return m.styles.system
	case lineInfo:
		return m.styles.info
	case lineError:
		return m.styles.err
	}
	return m.styles.plain
}

// resize lays out: header, history, hint line, prompt.
func (m *chatModel) resize(w, h int) {
	follow := m.vp.AtBottom()
	m.width, m.height = max(w, 10), max(h, 4)
	m.vp.Width, m.vp.Height = m.width, m.height-3
	m.input.Width = m.width - lipgloss.Width(m.input.Prompt) - 1
	for i := range m.history {
		m.history[i].rendered = m.render(m.history[i])
	}
	m.refresh()
	if follow {
		m.vp.GotoBottom()
	}
}

func (m *chatModel) View() string {
	return strings.Join([]string{m.header(), m.vp.View(), m.hint(), m.input.View()}, "\n")
}

func (m *chatModel) header() string {
	leader := "-"
	if m.st.Leader.ID != "" {
		leader = sanitize(m.st.Leader.Name)
	}
	members := fmt.Sprintf("%d members", m.st.Members)
	if m.st.Members == 1 {
		members = "1 member"
	}
	s := fmt.Sprintf(" ring · %s (%s) · leader %s · %s", sanitize(m.st.Name), sanitize(m.st.State), leader, members)
	if m.st.Members > 0 && m.st.Reachable < m.st.Quorum {
		// What is said now waits: say so where the user looks.
		s += fmt.Sprintf(" · no quorum: reaches %d, %d needed", m.st.Reachable, m.st.Quorum)
	}
	return m.styles.header.Width(m.width).Render(ansi.Truncate(s, m.width, "…"))
}

func (m *chatModel) hint() string {
	s := "Enter sends · /help · PgUp/PgDn scroll · Ctrl+C quits"
	if !m.vp.AtBottom() {
		s = "── more below: PgDn ──"
	}
	return m.styles.hint.Render(ansi.Truncate(s, m.width, "…"))
}

// errText is the one-line, sanitised form of an error shown in the history.
func errText(err error) string {
	var nd *client.NoDaemonError
	var ae *client.APIError
	switch {
	case errors.As(err, &nd):
		return "ringd is not answering at " + sanitize(nd.Socket)
	case errors.As(err, &ae):
		return "ringd refused: " + sanitize(ae.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return "ringd did not answer in time"
	}
	return sanitize(err.Error())
}
