package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

type configCheckOptions struct {
	configInput
	ios cli.Streams
}

func newConfigCmd(ios cli.Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect ringd's configuration",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newConfigCheckCmd(ios))
	return cmd
}

func newConfigCheckCmd(ios cli.Streams) *cobra.Command {
	opts := &configCheckOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "check [-c FILE]",
		Short: "Check a configuration as run would, without starting",
		Long: "Check the configuration exactly as `ringd run` reads it — -c FILE (else the default\n" +
			"locations), env RINGD_KEY (RINGD_LOG_LEVEL for log.level) and the flags below — and\n" +
			"print every setting in force with its source: the file, env, flag or default. A problem\n" +
			"exits 2 with the error run would give. It binds no address and opens neither the data\n" +
			"dir nor the log file.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.read(cmd)
			return configCheck(opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func configCheck(opts *configCheckOptions) error {
	l, err := opts.load()
	if err != nil {
		return err
	}
	from := l.cfg.File
	if from == "" {
		from = "no config file; defaults, environment and flags"
	}
	fmt.Fprintf(opts.ios.Out, "config OK (%s)\n\n", from)
	tw := tabwriter.NewWriter(opts.ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, s := range l.settings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, orNone(s.Value), s.Source)
	}
	return tw.Flush()
}

// orNone shows an empty value as such, so the columns stay readable.
func orNone(v string) string {
	if v == "" {
		return "-"
	}
	return v
}
