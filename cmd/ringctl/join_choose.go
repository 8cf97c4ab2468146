package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ringchat/ring/daemon/discovery"
	"github.com/ringchat/ring/internal/cli"
)

// stdinIsTerminal says whether the user can be asked a question on in;
// tests replace it.
var stdinIsTerminal = func(in io.Reader) bool { return isTerminal(in) }

// Bounds of the question `join` asks when several rings answer.
const (
	chooseAttempts = 3
	maxAnswerLine  = 64
)

var errAnswerTooLong = errors.New("answer too long")

// chooseRing asks on the terminal which of several rings to join. Without a
// terminal there is nobody to ask: it fails, listing the rings.
func chooseRing(ctx context.Context, ios cli.Streams, rings []discovery.Ring) (discovery.Ring, error) {
	if !stdinIsTerminal(ios.In) {
		return discovery.Ring{}, cli.Usagef("%d rings answered on the LAN; choose one and give the address "+
			"of one of its members: ringctl join HOST:PORT\n%s", len(rings), ringList(rings))
	}
	fmt.Fprintf(ios.Err, "%d rings answered on the LAN:\n", len(rings))
	_ = printRings(ios.Err, rings, true)
	in := bufio.NewReaderSize(ios.In, maxAnswerLine)
	for range chooseAttempts {
		fmt.Fprintf(ios.Err, "join which ring? [1-%d]: ", len(rings))
		line, err := readAnswer(ctx, in)
		switch {
		case ctx.Err() != nil:
			return discovery.Ring{}, errors.New("interrupted before a ring was chosen")
		case errors.Is(err, io.EOF) && line == "":
			return discovery.Ring{}, cli.Usage(errors.New("no ring chosen (end of input)"))
		case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errAnswerTooLong):
			return discovery.Ring{}, fmt.Errorf("reading the choice: %w", err)
		}
		if k, err := strconv.Atoi(line); err == nil && k >= 1 && k <= len(rings) {
			return rings[k-1], nil
		}
		fmt.Fprintf(ios.Err, "please answer with a number from 1 to %d\n", len(rings))
	}
	return discovery.Ring{}, cli.Usagef("no ring chosen after %d answers", chooseAttempts)
}

// readAnswer reads one line, trimmed, giving up when ctx ends (the read
// itself goes on in the background; ringctl is about to exit then). A line
// longer than maxAnswerLine is read to its end and refused.
func readAnswer(ctx context.Context, in *bufio.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		line, err := in.ReadSlice('\n')
		tooLong := false
		for errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			_, err = in.ReadSlice('\n')
		}
		if tooLong && (err == nil || errors.Is(err, io.EOF)) {
			err = errAnswerTooLong
			line = nil
		}
		got <- result{strings.TrimSpace(string(line)), err}
	}()
	select {
	case r := <-got:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
