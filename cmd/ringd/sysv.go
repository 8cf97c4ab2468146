package main

// The SysV init backend: the script ringd installs in place of kardianos'
// template, and what kardianos does not do for SysV itself.

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	// sysvPlatform is what kardianos/service calls its SysV init backend,
	// the fallback when it detects neither systemd, upstart, OpenRC nor procd.
	sysvPlatform = "unix-systemv"
	sysvInitDir  = "/etc/init.d"
	sysvLogDir   = "/var/log" // kardianos' default LogDirectory
	// sysvMarker tells init scripts written by `ringd install` from others
	// of the same name, which ringd must not start, stop or delete.
	sysvMarker = "# Managed by `ringd install`"
)

// sysvScript replaces kardianos' SysV template, which exits 1 from status
// when stopped (kardianos then reports an error; LSB says 3), counts a zombie
// as running (PID 1 here reaps orphans only every few seconds), calls a start
// good even if the daemon dies at once, leaves the daemon in the caller's
// session, breaks on paths with spaces, and names the binary, not the
// service, in Provides, so that two instances clash. It is a kardianos
// template: DisplayName is the service's name. Its second line holds
// sysvMarker.
//
//go:embed sysv/ringd.sh.tmpl
var sysvScript string

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
