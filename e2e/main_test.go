// Package e2e drives real ringd processes through the real ringctl binary.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Paths of the binaries built once for the whole package.
var (
	ringdBin   string
	ringctlBin string
)

func TestMain(m *testing.M) {
	// Race-instrumented binaries otherwise sleep a second at every exit.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	dir, err := os.MkdirTemp("", "ring-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ringdBin = filepath.Join(dir, "ringd")
	ringctlBin = filepath.Join(dir, "ringctl")
	for bin, pkg := range map[string]string{ringdBin: "../cmd/ringd", ringctlBin: "../cmd/ringctl"} {
		cmd := exec.Command("go", "build", "-race", "-o", bin, pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
