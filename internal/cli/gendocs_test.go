package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func docsRoot() *cobra.Command {
	root := &cobra.Command{Use: "prog", Short: "A program"}
	leaf := &cobra.Command{Use: "leaf", Short: "The leaf command", Long: "Leaf does one thing.", RunE: func(*cobra.Command, []string) error { return nil }}
	leaf.Flags().Int("count", 3, "how many times")
	root.AddCommand(leaf)
	root.AddCommand(GenDocsCmd(root, "8", "prog 1.2.3"))
	return root
}

func TestGenDocsWritesPagesAndCompletions(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1764720000") // 2025-12-03
	var out bytes.Buffer
	root := docsRoot()
	Setup(root, Streams{Out: &out, Err: &out})
	if err := Execute(context.Background(), root, []string{"gen-docs", "--man", filepath.Join(dir, "man"), "--completions", filepath.Join(dir, "c")}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "man", "prog-leaf.8"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "PROG-LEAF" "8" "Dec 2025" "prog 1.2.3" "ring manual"`, "Leaf does one thing.", `\fB--count\fP=3`, "how many times"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("prog-leaf.8 lacks %q:\n%s", want, page)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "prog-gen-docs.8")); err == nil {
		t.Error("the hidden gen-docs command got a page")
	}
	for _, f := range []string{"bash/prog", "zsh/_prog", "fish/prog.fish"} {
		b, err := os.ReadFile(filepath.Join(dir, "c", f))
		if err != nil || !bytes.Contains(b, []byte("prog")) {
			t.Errorf("%s: %v, %d bytes", f, err, len(b))
		}
	}
}

func TestGenDocsNeedsADirectory(t *testing.T) {
	quiet := func() *cobra.Command {
		root := docsRoot()
		Setup(root, Streams{Out: new(bytes.Buffer), Err: new(bytes.Buffer)})
		return root
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	err := Execute(context.Background(), quiet(), []string{"gen-docs"})
	if ExitCode(err) != ExitUsage {
		t.Fatalf("gen-docs with no directory: %v, want a usage error", err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	err = Execute(context.Background(), quiet(), []string{"gen-docs", "--man", t.TempDir()})
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Fatalf("a bad SOURCE_DATE_EPOCH: %v, want a usage error naming it", err)
	}
}
