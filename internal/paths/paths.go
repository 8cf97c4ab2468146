// Package paths computes the default file-system locations of ringd: its
// control socket, its state directory and the config files it searches.
// It depends only on the standard library so that ringctl can find the
// daemon's socket without pulling in the daemon's configuration code.
package paths

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const etcConfig = "/etc/ringd/ringd.yaml"

// SystemSocket is the socket of the system's ringd: root's default, and
// where the packaged service (user ringd) listens.
const SystemSocket = "/run/ringd/ringd.sock"

// DefaultSocket returns the Unix socket ringd listens on when not told
// otherwise.
func DefaultSocket() string { return current().socket }

// ClientSocket returns the socket ringctl dials when not told otherwise:
// ringd's default for this user, unless nothing is there and the system's
// ringd is (a member of group ringd using the packaged service). A socket
// this user may not see counts as there: dialling it then says that
// permission is denied and which group to join.
func ClientSocket() string {
	// Not current(): RUNTIME_DIRECTORY, if set, is the caller's own
	// service's directory, not ringd's.
	home, _ := os.UserHomeDir()
	own := byUser(os.Geteuid(), os.Getenv, home).socket
	return clientSocket(own, func(p string) bool {
		_, err := os.Lstat(p)
		return err == nil || errors.Is(err, fs.ErrPermission)
	})
}

func clientSocket(own string, exists func(string) bool) string {
	if own != SystemSocket && !exists(own) && exists(SystemSocket) {
		return SystemSocket
	}
	return own
}

// DefaultDataDir returns the directory where ringd keeps its state.
func DefaultDataDir() string { return current().dataDir }

// DefaultConfigFiles returns, in search order, the config files ringd
// reads when no -c flag is given. The first one that exists is used.
func DefaultConfigFiles() []string { return current().configFiles }

type defaults struct {
	socket      string
	dataDir     string
	configFiles []string
}

func current() defaults {
	home, _ := os.UserHomeDir()
	return resolve(os.Geteuid(), os.Getenv, home)
}

// resolve computes every default from the effective user id, the
// environment and the home directory ("" if unknown).
func resolve(euid int, getenv func(string) string, home string) defaults {
	d := byUser(euid, getenv, home)
	// A systemd service given RuntimeDirectory= and StateDirectory= (the
	// packaged ringd.service, as user ringd) is told their paths; the
	// packaged SysV script sets the same two variables.
	if dir := firstAbs(getenv("RUNTIME_DIRECTORY")); dir != "" {
		d.socket = filepath.Join(dir, "ringd.sock")
	}
	if dir := firstAbs(getenv("STATE_DIRECTORY")); dir != "" {
		d.dataDir = dir
	}
	return d
}

// firstAbs returns the first of a colon-separated list of paths (systemd
// lists one per directory configured) if it is absolute, else "".
func firstAbs(list string) string {
	first, _, _ := strings.Cut(list, ":")
	if filepath.IsAbs(first) {
		return first
	}
	return ""
}

func byUser(euid int, getenv func(string) string, home string) defaults {
	if euid == 0 {
		return defaults{
			socket:      SystemSocket,
			dataDir:     "/var/lib/ringd",
			configFiles: []string{etcConfig},
		}
	}

	// The XDG base directory spec says relative values must be ignored.
	xdg := func(name string) string {
		if dir := getenv(name); filepath.IsAbs(dir) {
			return dir
		}
		return ""
	}
	// Deliberately not os.TempDir: ringd and ringctl must agree on the
	// socket even if their $TMPDIR differ.
	tmp := "/tmp/ringd-" + strconv.Itoa(euid)

	var d defaults
	if dir := xdg("XDG_RUNTIME_DIR"); dir != "" {
		d.socket = filepath.Join(dir, "ringd", "ringd.sock")
	} else {
		d.socket = filepath.Join(tmp, "ringd.sock")
	}

	switch dir := xdg("XDG_STATE_HOME"); {
	case dir != "":
		d.dataDir = filepath.Join(dir, "ringd")
	case home != "":
		d.dataDir = filepath.Join(home, ".local", "state", "ringd")
	default:
		d.dataDir = filepath.Join(tmp, "state")
	}

	switch dir := xdg("XDG_CONFIG_HOME"); {
	case dir != "":
		d.configFiles = []string{filepath.Join(dir, "ringd", "ringd.yaml"), etcConfig}
	case home != "":
		d.configFiles = []string{filepath.Join(home, ".config", "ringd", "ringd.yaml"), etcConfig}
	default:
		d.configFiles = []string{etcConfig}
	}
	return d
}
