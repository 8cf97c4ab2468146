package main

// The service commands: install, uninstall, start, stop, restart and
// status, over the kardianos wrapper (svcmanager.go).

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

// defaultServiceName is the service's name without --name.
const defaultServiceName = "ringd"

var serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// validateServiceName accepts names that are safe as file names, unit
// names and unquoted shell words.
func validateServiceName(name string) error {
	if !serviceNameRE.MatchString(name) {
		return cli.Usagef("invalid --name %q: use 1 to 64 letters, digits, '-', '_', '.' or '@', starting with a letter or digit", name)
	}
	return nil
}

// serviceArgs returns the arguments of the service's `ringd run`: with no
// config file ringd searches its default locations at every start.
func serviceArgs(configFile string) ([]string, error) {
	if configFile == "" {
		return []string{"run"}, nil
	}
	abs, err := filepath.Abs(configFile)
	if err != nil {
		return nil, cli.Usagef("config file %s: %w", configFile, err)
	}
	fi, err := os.Stat(abs)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return nil, cli.Usagef("config file %s: %w", abs, pe.Err)
	case err != nil:
		return nil, cli.Usagef("config file %s: %w", abs, err)
	case !fi.Mode().IsRegular():
		return nil, cli.Usagef("config file %s is not a regular file", abs)
	}
	if err := checkScriptPath("config file", abs); err != nil {
		return nil, cli.Usage(err)
	}
	return []string{"run", "-c", abs}, nil
}

func requireRoot(gerund string) error {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		return nil
	}
	return fmt.Errorf("%s a service needs root", gerund)
}

func installService(h *svcHandle, out io.Writer) error {
	st, err := h.state()
	if err != nil {
		return err
	}
	if st != stateNotInstalled {
		return fmt.Errorf("service %s is already installed", h.name)
	}
	if err := h.svc.Install(); err != nil {
		return h.failed("installing", err)
	}
	fmt.Fprintf(out, "installed service %s; start it with `ringd start --name %s`\n", h.name, h.name)
	return nil
}

func uninstallService(h *svcHandle, out io.Writer) error {
	st, err := h.installedState()
	if err != nil {
		return err
	}
	if st == stateRunning {
		if err := h.svc.Stop(); err != nil {
			return h.failed("stopping", err)
		}
	}
	if err := h.svc.Uninstall(); err != nil {
		return h.failed("uninstalling", err)
	}
	if h.sysv {
		if err := removeRCLinks(h.name); err != nil {
			return fmt.Errorf("uninstalled service %s but left links behind: %w", h.name, err)
		}
	}
	fmt.Fprintf(out, "uninstalled service %s\n", h.name)
	return nil
}

func startService(h *svcHandle, out io.Writer) error {
	st, err := h.installedState()
	if err != nil {
		return err
	}
	if st == stateRunning {
		fmt.Fprintf(out, "service %s is already running\n", h.name)
		return nil
	}
	if err := h.svc.Start(); err != nil {
		return h.failed("starting", err)
	}
	fmt.Fprintf(out, "started service %s\n", h.name)
	return nil
}

func stopService(h *svcHandle, out io.Writer) error {
	st, err := h.installedState()
	if err != nil {
		return err
	}
	if st != stateRunning {
		fmt.Fprintf(out, "service %s is not running\n", h.name)
		return nil
	}
	if err := h.svc.Stop(); err != nil {
		return h.failed("stopping", err)
	}
	fmt.Fprintf(out, "stopped service %s\n", h.name)
	return nil
}

func restartService(h *svcHandle, out io.Writer) error {
	if _, err := h.installedState(); err != nil {
		return err
	}
	if err := h.svc.Restart(); err != nil {
		return h.failed("restarting", err)
	}
	fmt.Fprintf(out, "restarted service %s\n", h.name)
	return nil
}

func statusService(h *svcHandle, out io.Writer) error {
	st, err := h.state()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, st)
	return err
}

const serviceLong = `

--name (default ringd) names the service, so that several nodes with
different config files can be installed side by side. All verbs but status
need root. On SysV init hosts the script is /etc/init.d/NAME, the pid file
/var/run/NAME.pid, and the daemon's stdout and stderr are appended to
/var/log/NAME.log and /var/log/NAME.err (its log is on stderr). On systemd
hosts the unit is NAME.service: see journalctl -u NAME.`

type serviceVerb struct {
	use, short, long, gerund string
	root                     bool // needs root
	run                      func(*svcHandle, io.Writer) error
}

func newServiceCmds(ios cli.Streams) []*cobra.Command {
	verbs := []serviceVerb{
		{"uninstall", "Stop the service if it is running, then remove it", "", "uninstalling", true, uninstallService},
		{"start", "Start the installed service", "", "starting", true, startService},
		{"stop", "Stop the service", "", "stopping", true, stopService},
		{"restart", "Stop the service if it is running, then start it", "", "restarting", true, restartService},
		{"status", "Print the state of the service: running, stopped or not installed",
			"Exit status 0 whenever the state could be determined, 1 if it could not, 2 on bad usage.",
			"", false, statusService},
	}
	cmds := []*cobra.Command{newInstallCmd(ios)}
	for _, v := range verbs {
		cmds = append(cmds, newServiceVerbCmd(ios, v))
	}
	return cmds
}

func newServiceVerbCmd(ios cli.Streams, v serviceVerb) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   v.use + " [--name NAME]",
		Short: v.short,
		Long:  strings.TrimSpace(v.short+".\n"+v.long) + serviceLong,
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := validateServiceName(name); err != nil {
				return err
			}
			if v.root {
				if err := requireRoot(v.gerund); err != nil {
					return err
				}
			}
			h, err := openService(name, "", nil)
			if err != nil {
				return err
			}
			return v.run(h, ios.Out)
		},
	}
	cmd.Flags().StringVar(&name, "name", defaultServiceName, "service name")
	return cmd
}

func newInstallCmd(ios cli.Streams) *cobra.Command {
	var name, configFile string
	cmd := &cobra.Command{
		Use:   "install [-c FILE] [--name NAME]",
		Short: "Install ringd as a system service, started at boot",
		Long: "Install ringd as a system service that runs `<this executable> run -c <FILE>`\n" +
			"(FILE made absolute; without -c, `run` searches the default locations).\n" +
			"It is not started now: use `ringd start`." + serviceLong,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := validateServiceName(name); err != nil {
				return err
			}
			args, err := serviceArgs(configFile)
			if err != nil {
				return err
			}
			if err := requireRoot("installing"); err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("locating this executable: %w", err)
			}
			if err := checkScriptPath("executable", exe); err != nil {
				return err
			}
			h, err := openService(name, exe, args)
			if err != nil {
				return err
			}
			return installService(h, ios.Out)
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "c", "", "config file the service runs with")
	cmd.Flags().StringVar(&name, "name", defaultServiceName, "service name")
	return cmd
}
