package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/kardianos/service"
	"github.com/ringchat/ring/internal/cli"
	"github.com/spf13/cobra"
)

const (
	defaultServiceName = "ringd"
	// sysvPlatform is what kardianos/service calls its SysV init backend,
	// the fallback when it detects neither systemd, upstart, OpenRC nor procd.
	sysvPlatform = "unix-systemv"
	sysvInitDir  = "/etc/init.d"
	sysvLogDir   = "/var/log" // kardianos' default LogDirectory
	// sysvMarker tells init scripts written by `ringd install` from others
	// of the same name, which ringd must not start, stop or delete.
	sysvMarker = "# Managed by `ringd install`"
)

var serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// validateServiceName accepts names that are safe as file names, unit
// names and unquoted shell words.
func validateServiceName(name string) error {
	if !serviceNameRE.MatchString(name) {
		return cli.Usagef("invalid --name %q: use 1 to 64 letters, digits, '-', '_', '.' or '@', starting with a letter or digit", name)
	}
	return nil
}

// checkScriptPath refuses paths that an init script could not quote: the
// SysV template puts them between double quotes.
func checkScriptPath(what, path string) error {
	if i := strings.IndexFunc(path, func(r rune) bool {
		return r < 0x20 || r == 0x7f || strings.ContainsRune("\"$`\\", r)
	}); i >= 0 {
		return fmt.Errorf("%s %q contains %q, which a service script cannot quote", what, path, path[i])
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

// serviceConfig describes service name to kardianos. exe and args matter
// only to Install.
func serviceConfig(name, exe string, args []string, platform string) *service.Config {
	c := &service.Config{
		Name:        name,
		DisplayName: name,
		Description: "ring chat node daemon (" + name + ")",
		Executable:  exe,
		Arguments:   args,
		// Read by systemd only (default always): like packaging/ringd.service,
		// a node stopped cleanly by a signal stays down.
		Option: service.KeyValue{"Restart": "on-failure"},
	}
	// Only the SysV backend may get our script: procd, FreeBSD, AIX and
	// Solaris read the same option but expect other templates.
	if platform == sysvPlatform {
		c.Option["SysvScript"] = sysvScript
	}
	return c
}

type svcState int

const (
	stateNotInstalled svcState = iota
	stateStopped
	stateRunning
)

func (s svcState) String() string {
	return [...]string{"not installed", "stopped", "running"}[s]
}

// mapStatus turns kardianos' Status result into a state. Its SysV backend
// treats every non-zero exit of `service NAME status` as a failure, but our
// script exits 3 for stopped, as LSB requires.
func mapStatus(st service.Status, err error) (svcState, error) {
	var exit *exec.ExitError
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		return stateNotInstalled, nil
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		return stateStopped, nil
	case err != nil && err.Error() == "service in failed state": // systemd; kardianos has no error value for it
		return stateStopped, nil
	case err != nil:
		return 0, err
	case st == service.StatusRunning:
		return stateRunning, nil
	case st == service.StatusStopped:
		return stateStopped, nil
	default:
		return 0, errors.New("the service manager reported an unknown state")
	}
}

// program satisfies service.Interface. It is never run: the service runs
// `ringd run`, which needs no kardianos.
type program struct{}

func (program) Start(service.Service) error { return nil }
func (program) Stop(service.Service) error  { return nil }

type svcHandle struct {
	name string
	svc  service.Service
	sysv bool
}

func openService(name, exe string, args []string) (*svcHandle, error) {
	platform := ""
	if sys := service.ChosenSystem(); sys != nil {
		platform = sys.String()
	}
	svc, err := service.New(program{}, serviceConfig(name, exe, args, platform))
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	h := &svcHandle{name: name, svc: svc, sysv: platform == sysvPlatform}
	if h.sysv {
		// kardianos runs `service` through $PATH, which lacks /usr/sbin under cron or plain su.
		if _, err := exec.LookPath("service"); err != nil {
			os.Setenv("PATH", os.Getenv("PATH")+":/usr/sbin:/sbin")
		}
	}
	return h, nil
}

func (h *svcHandle) state() (svcState, error) {
	if h.sysv {
		// `service NAME status` cannot tell a missing script from a failure.
		data, err := os.ReadFile(filepath.Join(sysvInitDir, h.name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return stateNotInstalled, nil
		case err != nil:
			return 0, fmt.Errorf("service %s: %w", h.name, err)
		case !strings.Contains(string(data), sysvMarker):
			return 0, fmt.Errorf("%s/%s was not written by ringd install; refusing to touch it", sysvInitDir, h.name)
		}
	}
	st, err := mapStatus(h.svc.Status())
	if err != nil {
		return 0, fmt.Errorf("status of service %s: %w", h.name, err)
	}
	return st, nil
}

// installedState is state, failing if the service is not installed.
func (h *svcHandle) installedState() (svcState, error) {
	st, err := h.state()
	if err == nil && st == stateNotInstalled {
		err = fmt.Errorf("service %s is not installed", h.name)
	}
	return st, err
}

func (h *svcHandle) failed(gerund string, err error) error {
	if h.sysv && !strings.HasSuffix(gerund, "installing") {
		return fmt.Errorf("%s service %s failed (%v); see %s/%s.err", gerund, h.name, err, sysvLogDir, h.name)
	}
	return fmt.Errorf("%s service %s failed: %w", gerund, h.name, err)
}

// removeRCLinks removes the /etc/rcN.d links of a SysV service, which
// kardianos' Uninstall leaves dangling.
func removeRCLinks(name string) error {
	links, _ := filepath.Glob("/etc/rc[0-6S].d/[KS][0-9][0-9]" + name)
	var errs []error
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && filepath.Base(target) == name {
			errs = append(errs, os.Remove(l))
		}
	}
	return errors.Join(errs...)
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

// sysvScript replaces kardianos' SysV template, which exits 1 from status
// when stopped (kardianos then reports an error; LSB says 3), counts a zombie
// as running (PID 1 here reaps orphans only every few seconds), calls a start
// good even if the daemon dies at once, leaves the daemon in the caller's
// session, breaks on paths with spaces, and names the binary, not the
// service, in Provides, so that two instances clash. DisplayName is the name.
const sysvScript = `#!/bin/sh
` + sysvMarker + `; remove with ` + "`ringd uninstall --name {{DisplayName}}`" + `.
### BEGIN INIT INFO
# Provides:          {{DisplayName}}
# Required-Start:    $local_fs $remote_fs $network
# Required-Stop:     $local_fs $remote_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: {{Description}}
### END INIT INFO

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
name={{DisplayName}}
exe={{Path | cmd}}
pid_file=/var/run/$name.pid
stdout_log={{LogDirectory | cmd}}/$name.log
stderr_log={{LogDirectory | cmd}}/$name.err
setsid=$(command -v setsid)

# Settings such as RINGD_LOG_LEVEL=debug; exported to ringd.
if [ -r /etc/default/$name ]; then
    set -a
    . /etc/default/$name
    set +a
fi

# alive PID: the process exists and is not a zombie.
alive() {
    state=$(sed -n 's/.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# is_running sets pid; it succeeds if the pid file names a process of $exe.
# A zombie has an empty argv, a recycled pid another argv[0].
is_running() {
    pid=$(cat "$pid_file" 2>/dev/null) || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    [ "$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -n 1)" = "$exe" ]
}

do_start() {
    if is_running; then
        echo "$name is already running (pid $pid)"
        return 0
    fi
    echo "Starting $name"
    cd {{if WorkingDirectory}}{{WorkingDirectory | cmd}}{{else}}/{{end}} || return 1
    # setsid: the daemon must not share the caller's session or terminal.
    $setsid "$exe"{{range Arguments}} {{. | cmd}}{{end}} </dev/null >>"$stdout_log" 2>>"$stderr_log" &
    echo $! >"$pid_file"
    # ringd exits at once on a bad config or a busy socket; catch that here.
    for i in 1 2 3 4 5 6 7 8 9 10; do
        sleep 0.1
        alive $! || break
    done
    if ! is_running; then
        rm -f "$pid_file"
        echo "$name exited during startup; see $stderr_log" >&2
        return 1
    fi
}

do_stop() {
    if ! is_running; then
        echo "$name is not running"
        rm -f "$pid_file"
        return 0
    fi
    echo "Stopping $name (pid $pid)"
    kill -TERM "$pid" || return 1
    i=0
    while [ $i -lt 150 ]; do
        if ! is_running; then
            rm -f "$pid_file"
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "$name (pid $pid) did not stop within 15s" >&2
    return 1
}

case "$1" in
start) do_start ;;
stop) do_stop ;;
restart | force-reload) do_stop && do_start ;;
status)
    if is_running; then
        echo "Running (pid $pid)"
        exit 0
    fi
    echo "Stopped"
    exit 3
    ;;
*)
    echo "Usage: $0 {start|stop|restart|force-reload|status}" >&2
    exit 2
    ;;
esac
`
