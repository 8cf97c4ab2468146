// Package paths computes the default file-system locations of ringd: its
// control socket, its state directory and the config files it searches.
// It depends only on the standard library so that ringctl can find the
// daemon's socket without pulling in the daemon's configuration code.
package paths

import (
	"os"
	"path/filepath"
	"strconv"
)

const etcConfig = "/etc/ringd/ringd.yaml"

// DefaultSocket returns the Unix socket ringd listens on and ringctl dials
// when neither is told otherwise.
func DefaultSocket() string { return current().socket }

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
	if euid == 0 {
		return defaults{
			socket:      "/run/ringd/ringd.sock",
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
