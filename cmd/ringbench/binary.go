package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ringchat/ring/internal/cli"
)

// findRingd picks the ringd binary: the --ringd flag, else the one next to
// this executable (make build puts both in bin/), else ringd on PATH.
func findRingd(flag string, executable func() (string, error), lookPath func(string) (string, error)) (string, error) {
	if flag != "" {
		if err := isExecutable(flag); err != nil {
			return "", cli.Usagef("--ringd %s: %w", flag, err)
		}
		return flag, nil
	}
	var tried []string
	if self, err := executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "ringd")
		if isExecutable(p) == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := lookPath("ringd"); err == nil {
		return p, nil
	}
	tried = append(tried, "ringd on PATH")
	return "", cli.Usagef("no ringd binary found (tried %v); run `make build` (it puts ringd next to ringbench in bin/) or pass --ringd PATH", tried)
}

func isExecutable(p string) error {
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return err
	case st.IsDir():
		return errors.New("is a directory")
	case st.Mode().Perm()&0o111 == 0:
		return errors.New("is not executable")
	}
	return nil
}

// ringdBinary is findRingd for the real process.
func ringdBinary(flag string) (string, error) {
	return findRingd(flag, os.Executable, exec.LookPath)
}
