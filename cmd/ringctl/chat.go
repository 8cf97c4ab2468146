package main

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/client"
	"github.com/spf13/cobra"
)

const (
	// chatBacklog is how many past messages the chat shows on start.
	chatBacklog = 50
	// streamRetry is the pause before the chat reconnects a broken stream.
	streamRetry = 2 * time.Second
)

type chatOptions struct {
	f       *factory
	backlog int
}

func newChatCmd(f *factory) *cobra.Command {
	opts := &chatOptions{f: f, backlog: chatBacklog}
	return &cobra.Command{
		Use:   "chat",
		Short: "Interactive chat session",
		Long: "Interactive chat session: incoming messages scroll above, a prompt below.\n" +
			"Commands: /who, /msg NAME TEXT, /help, /exit (or Ctrl+C, or Ctrl+D on an empty prompt).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return opts.run(cmd.Context()) },
	}
}

func (o *chatOptions) run(parent context.Context) error {
	c := o.f.client()
	// Fails here, before the screen is taken, when no daemon answers.
	st, err := c.Status(parent)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()

	out := o.f.ios.Out
	model := newChatModel(c, st, newChatStyles(lipgloss.NewRenderer(out)))
	var p *tea.Program
	// Input that ends (a pipe, /dev/null) leaves the chat rather than
	// leaving it waiting for keys that can never come.
	in := &eofReader{r: o.f.ios.In, onEOF: func() { p.Send(inputClosedMsg{}) }}
	if in.r == nil {
		in.r = eofOnly{}
	}
	var input io.Reader = in
	if isTerminal(o.f.ios.In) {
		input = o.f.ios.In // raw mode needs the file itself
	}
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(input), tea.WithOutput(out)}
	if isTerminal(out) {
		popts = append(popts, tea.WithAltScreen())
	}
	p = tea.NewProgram(model, popts...)

	var wg sync.WaitGroup
	wg.Go(func() { o.follow(ctx, c, p) })
	_, err = p.Run()
	cancel()
	wg.Wait()
	switch {
	case errors.Is(err, tea.ErrInterrupted):
		return nil
	case err != nil && parent.Err() != nil:
		// Interrupted by SIGINT/SIGTERM: execute maps this to success.
		return parent.Err()
	}
	return err
}

// follow streams the backlog and then every new message into the program
// until ctx ends, reconnecting after the last message seen when the stream
// breaks (a restarted daemon, say).
func (o *chatOptions) follow(ctx context.Context, c *client.Client, p *tea.Program) {
	q := client.Query{N: o.backlog, Follow: true}
	reported := false // one error line per outage, not one per retry
	for {
		err := c.Messages(ctx, q, func(m chat.Message) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if reported {
				reported = false
				p.Send(streamBackMsg{})
			}
			if m.Seq > q.Since {
				q = client.Query{N: -1, Since: m.Seq, HasSince: true, Follow: true}
			}
			p.Send(incomingMsg{m})
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("ringd ended the stream")
		}
		if !reported {
			p.Send(streamErrMsg{err})
			reported = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(streamRetry):
		}
	}
}

// eofReader calls onEOF once when reading r first fails.
type eofReader struct {
	r     io.Reader
	once  sync.Once
	onEOF func()
}

func (e *eofReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err != nil {
		e.once.Do(e.onEOF)
	}
	return n, err
}

type eofOnly struct{}

func (eofOnly) Read([]byte) (int, error) { return 0, io.EOF }

func isTerminal(v any) bool {
	f, ok := v.(term.File)
	return ok && term.IsTerminal(f.Fd())
}
