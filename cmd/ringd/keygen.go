package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/protocol/secure"
	"github.com/spf13/cobra"
)

type keygenOptions struct {
	out string
	ios cli.Streams
}

func newKeygenCmd(ios cli.Streams) *cobra.Command {
	opts := &keygenOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "keygen [-o FILE]",
		Short: "Print a new random cluster secret",
		Long: "Print a new random cluster secret, or write it to a new file (mode 0600) with -o.\n" +
			"Give every node of a ring the same secret with `secret_file`; peers without it are refused.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return keygen(opts) },
	}
	cmd.Flags().StringVarP(&opts.out, "output", "o", "", "write the secret to this new file instead of stdout")
	return cmd
}

func keygen(opts *keygenOptions) error {
	k, err := secure.NewKey()
	if err != nil {
		return err
	}
	line := k.String() + "\n"
	if opts.out == "" {
		_, err := fmt.Fprint(opts.ios.Out, line)
		return err
	}
	f, err := os.OpenFile(opts.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return cli.Usagef("%s exists; refusing to overwrite a secret", opts.out)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
