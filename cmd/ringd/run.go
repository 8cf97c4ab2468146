package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/ringchat/ring/daemon/node"
	"github.com/ringchat/ring/internal/cli"
	"github.com/ringchat/ring/internal/config"
	"github.com/ringchat/ring/internal/logging"
	"github.com/ringchat/ring/ipc"
	"github.com/ringchat/ring/protocol/secure"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type runOptions struct {
	configInput
	ios cli.Streams
}

// configInput is where run, and config check, take the configuration from.
type configInput struct {
	configFile string
	flags      *pflag.FlagSet
	environ    []string
}

// bind registers -c and the flag of every config key on cmd.
func (in *configInput) bind(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&in.configFile, "config", "c", "", "config file (YAML)")
	config.BindFlags(cmd.Flags())
}

// read takes the flags given and the environment when cmd runs.
func (in *configInput) read(cmd *cobra.Command) {
	in.flags, in.environ = cmd.Flags(), os.Environ()
}

// loaded is a configuration as run takes it.
type loaded struct {
	cfg      *config.Config
	settings []config.Setting // each key's value in force and its source
	keys     []secure.Key     // from cfg.SecretFile, if set
}

// load reads and checks the configuration as run takes it: the keys and
// their values (config.LoadEffective), then the secret file if one is set.
// An error from it exits 2.
func (in configInput) load() (loaded, error) {
	cfg, settings, err := config.LoadEffective(config.Options{File: in.configFile, Flags: in.flags, Environ: in.environ})
	if err != nil {
		return loaded{}, err
	}
	l := loaded{cfg: cfg, settings: settings}
	if cfg.SecretFile != "" {
		if l.keys, err = secure.LoadKeys(cfg.SecretFile); err != nil {
			return loaded{}, cli.Usage(err)
		}
	}
	return l, nil
}

func newRunCmd(ios cli.Streams) *cobra.Command {
	opts := &runOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "run [-c FILE]",
		Short: "Run the node in the foreground until SIGINT/SIGTERM",
		Long: "Run the node in the foreground. SIGINT or SIGTERM stop it cleanly (exit 0).\n" +
			"Configuration comes from -c FILE (else the default locations), env RINGD_KEY (RINGD_LOG_LEVEL for log.level) and the flags below.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.read(cmd)
			return runNode(cmd.Context(), opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

// runNode runs one node until a signal arrives or ctx ends; everything it
// started is stopped in order before it returns.
func runNode(parent context.Context, opts *runOptions) error {
	l, err := opts.load()
	if err != nil {
		return err
	}
	cfg, keys := l.cfg, l.keys
	logger, closeLog, err := logging.New(logging.Options{
		Level: cfg.Log.Level, Format: cfg.Log.Format, File: cfg.Log.File, Stderr: opts.ios.Err,
	})
	if err != nil {
		return cli.Usagef("log: %w", err)
	}
	defer closeLog()
	defer logging.RedirectStd(logger.With("component", "stdlog"), slog.LevelWarn)()
	logKeys(logger, cfg.SecretFile, keys, cfg.Listen)
	disc, err := listenDiscovery(cfg, logger)
	if err != nil {
		return err
	}
	defer disc.Close()
	metricsSrv, err := listenMetrics(cfg, logger)
	if err != nil {
		return err
	}
	if metricsSrv != nil {
		defer metricsSrv.Close() // in case the node never starts; Serve closes it otherwise
	}

	ctx, stop := signal.NotifyContext(parent, syscall.SIGINT, syscall.SIGTERM)
	// SIGHUP is taken from here on, so one sent as soon as "ringd ready"
	// is logged reloads the secret instead of killing the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	defer stop()

	ln, err := ipc.Listen(cfg.Socket)
	if err != nil {
		return err
	}
	node, err := node.New(node.Options{
		Settings: cfg.Settings,
		Logger:   logger, // the node names its parts: node, store, transport, watch
		Keys:     keys,
	})
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.File == "" {
		logger.Info("no config file found; running with defaults")
	}
	logger.Info("ringd ready", "socket", cfg.Socket, "peer_addr", node.Self().Addr,
		"id", node.Self().ID, "name", node.Self().Name, "config", cfg.File)

	go reloadKeysOnHangup(ctx, hup, cfg.SecretFile, node, logger)

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- node.Run(ctx) })
	wg.Go(func() { errs <- ipc.NewServer(node, logger.With("component", "ipc")).Serve(ctx, ln) })
	if disc != nil {
		wg.Go(func() { disc.Serve(ctx, node.Status) }) // a failure is logged; the node goes on without it
	}
	if metricsSrv != nil {
		wg.Go(func() { serveMetrics(ctx, metricsSrv, node, logger) })
	}
	go func() {
		// If either part fails, stop the other.
		select {
		case <-ctx.Done():
		case err := <-errs:
			errs <- err
			stop()
		}
	}()
	<-ctx.Done()
	logger.Info("stopping")
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		if err != nil {
			all = append(all, err)
		}
	}
	if len(all) > 0 {
		return errors.Join(all...)
	}
	logger.Info("stopped cleanly")
	return nil
}
