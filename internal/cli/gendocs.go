package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// GenDocsCmd is the hidden command that writes root's man pages and its
// shell completions, generated from the commands themselves so that they
// never drift from --help (`make man`, packaging/). section is the man
// section: 8 for the daemon, 1 for the commands users run.
func GenDocsCmd(root *cobra.Command, section, source string) *cobra.Command {
	var manDir, complDir string
	cmd := &cobra.Command{
		Use:    "gen-docs [--man DIR] [--completions DIR]",
		Short:  "Write the man pages and shell completions",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if manDir == "" && complDir == "" {
				return Usagef("give --man DIR, --completions DIR or both")
			}
			if manDir != "" {
				if err := writeMan(root, section, source, manDir); err != nil {
					return err
				}
			}
			if complDir != "" {
				return writeCompletions(root, complDir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "write one man page per command into DIR")
	cmd.Flags().StringVar(&complDir, "completions", "", "write bash/NAME, zsh/_NAME and fish/NAME.fish into DIR")
	return cmd
}

func writeMan(root *cobra.Command, section, source, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	date, err := buildDate()
	if err != nil {
		return err
	}
	root.DisableAutoGenTag = true // the pages carry the build date instead of generation noise
	return doc.GenManTree(root, &doc.GenManHeader{
		Section: section,
		Date:    &date,
		Source:  source,
		Manual:  "ring manual",
	}, dir)
}

// buildDate is SOURCE_DATE_EPOCH when set (reproducible builds: the same
// source gives the same pages), else now.
func buildDate() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Now().UTC(), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, Usagef("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func writeCompletions(root *cobra.Command, dir string) error {
	name := root.Name()
	for _, c := range []struct {
		path string
		gen  func(f *os.File) error
	}{
		{filepath.Join(dir, "bash", name), func(f *os.File) error { return root.GenBashCompletionV2(f, true) }},
		{filepath.Join(dir, "zsh", "_"+name), func(f *os.File) error { return root.GenZshCompletion(f) }},
		{filepath.Join(dir, "fish", name+".fish"), func(f *os.File) error { return root.GenFishCompletion(f, true) }},
	} {
		if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
			return err
		}
		f, err := os.Create(c.path)
		if err != nil {
			return err
		}
		err = c.gen(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.path, err)
		}
	}
	return nil
}
