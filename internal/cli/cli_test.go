package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

var errRun = errors.New("the command failed")

func testRoot(out *bytes.Buffer) *cobra.Command {
	root := &cobra.Command{Use: "prog"}
	var n int
	leaf := &cobra.Command{Use: "leaf", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return errRun }}
	leaf.Flags().IntVar(&n, "n", 0, "a number")
	some := &cobra.Command{Use: "some ARG...", Args: cobra.MinimumNArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	typed := &cobra.Command{Use: "typed", RunE: func(*cobra.Command, []string) error { return Usagef("--x is wrong") }}
	root.AddCommand(leaf, some, typed)
	Setup(root, Streams{In: strings.NewReader(""), Out: out, Err: out})
	return root
}

// Every error cobra makes about the command line is a usage error (exit 2)
// with cobra's own text; an error of the command's own code is not.
func TestExecuteTypesCobraErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"leaf"}, ExitFailure, "the command failed"},
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate" for "prog"`},
		{[]string{"lef"}, ExitUsage, "Did you mean this?"},
		{[]string{"leaf", "extra"}, ExitUsage, `unknown command "extra" for "prog leaf"`},
		{[]string{"some"}, ExitUsage, "requires at least 1 arg(s)"},
		{[]string{"some", "a"}, ExitOK, ""},
		{[]string{"leaf", "--bogus"}, ExitUsage, "unknown flag: --bogus"},
		{[]string{"leaf", "--n", "x"}, ExitUsage, `invalid argument "x" for "--n" flag`},
		{[]string{"typed"}, ExitUsage, "--x is wrong"},
		{[]string{"completion", "bash", "extra"}, ExitUsage, "unknown command"},
		{[]string{}, ExitOK, ""},
		{[]string{"help", "leaf"}, ExitOK, ""},
	} {
		var out bytes.Buffer
		err := Execute(context.Background(), testRoot(&out), c.args)
		if got := ExitCode(err); got != c.code {
			t.Errorf("%q: exit %d (%v), want %d", c.args, got, err, c.code)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q: error %v, want it to mention %q", c.args, err, c.want)
		}
		if out.Len() > 0 && err != nil {
			t.Errorf("%q: cobra printed %q besides returning %v", c.args, out.String(), err)
		}
	}
}

func TestUsage(t *testing.T) {
	if Usage(nil) != nil {
		t.Fatal("Usage(nil) is not nil")
	}
	err := Usage(errRun)
	if !errors.Is(err, errRun) || !IsUsage(err) || err.Error() != errRun.Error() {
		t.Fatalf("Usage(errRun) = %v", err)
	}
	if IsUsage(errRun) || ExitCode(errRun) != ExitFailure || ExitCode(nil) != ExitOK {
		t.Fatal("a plain error is usage")
	}
}
