package main

// The wrapper of github.com/kardianos/service: the service's description,
// its state, and a handle that runs the manager's verbs on it.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kardianos/service"
)

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
