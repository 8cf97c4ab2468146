package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress writes what ringbench is doing to stderr: on a terminal one line
// rewritten in place, otherwise a line a second.
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	mu    sync.Mutex
	open  bool // a rewritable line is on screen
}

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, tty: isTerminal(w), quiet: quiet}
}

func isTTY(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// logf prints one finished line.
func (p *progress) logf(format string, args ...any) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLine()
	fmt.Fprintf(p.w, "ringbench: "+format+"\n", args...)
}

// endLine finishes a rewritable line; the caller holds mu.
func (p *progress) endLine() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

// status shows a line that the next one replaces (on a terminal).
func (p *progress) status(line string) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K  %s", line)
		p.open = true
		return
	}
	fmt.Fprintf(p.w, "  %s\n", line)
}

// track shows line() every interval until the returned stop is called.
func (p *progress) track(line func() string) (stop func()) {
	if p.quiet {
		return func() {}
	}
	every := time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.status(line())
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		p.mu.Lock()
		p.endLine()
		p.mu.Unlock()
	}
}
