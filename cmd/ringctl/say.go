package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

// sayWindow is how many stdin lines `say -` reads ahead of the stream.
const sayWindow = 256

// maxStdinLine bounds one line read by `say -`: the longest message any
// ringd takes, and its line end.
const maxStdinLine = chat.MaxText + len("\r\n")

type sayOptions struct {
	f      *factory
	to     string
	text   string
	stdin  bool
	window int
}

func newSayCmd(f *factory) *cobra.Command {
	opts := &sayOptions{f: f, window: sayWindow}
	cmd := &cobra.Command{
		Use:   "say TEXT... | say -",
		Short: "Send a chat message; `say -` sends each line of stdin",
		Long: "Send a chat message. Returns once it is committed: sequenced by the leader and stored\n" +
			"by a majority of the ring. Without a quorum it gives up after a while and exits 1; the\n" +
			"message stays queued and is delivered once the ring heals.\n" +
			"`say -` reads stdin, one message per line, keeps many in flight and prints the\n" +
			"acknowledgements in input order. --to sends a direct message to one member.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "-" {
				opts.stdin = true
				return opts.runStdin(cmd.Context())
			}
			opts.text = strings.Join(args, " ")
			return opts.runOne(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&opts.to, "to", "", "send a direct message to this member (name or node id)")
	return cmd
}

// ringctl does not know the daemon's limits.max_text: it refuses what no
// daemon would take (chat.CheckText, exit 2) and leaves the size limit to the
// daemon, which answers with its own (exit 1).
func (o *sayOptions) runOne(ctx context.Context) error {
	if err := chat.CheckText(o.text); err != nil {
		return cli.Usage(err)
	}
	rc, err := o.f.client().Say(ctx, o.text, o.to)
	if err != nil {
		return err
	}
	return o.printReceipt(rc)
}

func (o *sayOptions) printReceipt(rc chat.Receipt) error {
	if o.f.jsonOutput() {
		return writeJSONLine(o.f.ios.Out, rc)
	}
	_, err := fmt.Fprintf(o.f.ios.Out, "seq %d lamport %d id %s\n", rc.Seq, rc.Lamport, rc.ID)
	return err
}

// runStdin sends every line of stdin over one stream, without waiting for
// each acknowledgement, and prints the receipts in input order. A line that
// cannot be sent stops reading; what was sent before it is still reported.
func (o *sayOptions) runStdin(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	texts := make(chan string, o.window)
	readErr := make(chan error, 1)
	go func() {
		defer close(texts)
		sc := bufio.NewScanner(o.f.ios.In)
		sc.Buffer(make([]byte, 4096), maxStdinLine)
		line := 0
		for sc.Scan() {
			line++
			text := strings.TrimRight(sc.Text(), "\r")
			if strings.TrimSpace(text) == "" {
				continue
			}
			if err := chat.CheckText(text); err != nil {
				readErr <- cli.Usagef("stdin line %d: %w", line, err)
				return
			}
			select {
			case texts <- text:
			case <-ctx.Done():
				return
			}
		}
		switch err := sc.Err(); {
		case errors.Is(err, bufio.ErrTooLong):
			readErr <- cli.Usagef("stdin line %d: longer than %d bytes, the most a message may be", line+1, chat.MaxText)
		case err != nil:
			readErr <- cli.Usagef("stdin line %d: %w", line+1, err)
		}
	}()
	err := o.f.client().SayStream(ctx, o.to, texts, o.printReceipt)
	select {
	case rerr := <-readErr:
		if err == nil {
			return rerr
		}
	default:
	}
	return err
}
