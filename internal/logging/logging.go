// Package logging builds ringd's structured logger: human-readable text or
// JSON lines on stderr, optionally duplicated as JSON lines into a file.
package logging

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

// Options selects what New builds. Zero values mean level info, format
// auto, no file and os.Stderr.
type Options struct {
	Level  string // debug, info, warn or error
	Format string // auto, text or json
	File   string // if set, records are also appended to it as JSON lines
	Stderr io.Writer
}

// New returns a logger for opts and a function that closes the log file,
// if any. Format auto means coloured text when Stderr is a terminal and
// JSON otherwise; text is coloured only on a terminal.
func New(opts Options) (*slog.Logger, func() error, error) {
	level, err := ParseLevel(opts.Level)
	if err != nil {
		return nil, nil, err
	}
	w := opts.Stderr
	if w == nil {
		w = os.Stderr
	}
	tty := isTerminal(w)

	var stderr slog.Handler
	switch strings.ToLower(opts.Format) {
	case "", "auto":
		if tty {
			stderr = textHandler(w, level, false)
		} else {
			stderr = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
		}
	case "text":
		stderr = textHandler(w, level, !tty)
	case "json":
		stderr = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	default:
		return nil, nil, fmt.Errorf("logging: unknown format %q (want auto, text or json)", opts.Format)
	}

	if opts.File == "" {
		return slog.New(stderr), func() error { return nil }, nil
	}
	f, err := openFile(opts.File)
	if err != nil {
		return nil, nil, err
	}
	file := slog.NewJSONHandler(f, &slog.HandlerOptions{Level: level})
	return slog.New(slog.NewMultiHandler(stderr, file)), sync.OnceValue(f.Close), nil
}

// ParseLevel parses debug, info, warn or error, in any case; "" is info.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("logging: unknown level %q (want debug, info, warn or error)", s)
}

func textHandler(w io.Writer, level slog.Level, noColor bool) slog.Handler {
	return tint.NewHandler(w, &tint.Options{Level: level, TimeFormat: "15:04:05.000", NoColor: noColor})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func openFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("logging: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("logging: %w", err)
	}
	return f, nil
}

// RedirectStd sends what libraries write through the standard log package
// (the metrics library's /proc read errors, for one) to logger at level,
// so that it takes log.format and log.file like everything else, and
// returns the function that puts the standard logger back.
func RedirectStd(logger *slog.Logger, level slog.Level) (restore func()) {
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(slog.NewLogLogger(logger.Handler(), level).Writer())
	log.SetFlags(0) // the handler stamps the time
	log.SetPrefix("")
	return func() {
		log.SetOutput(out)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	}
}
