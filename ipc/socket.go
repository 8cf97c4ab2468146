package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// SocketInUseError reports that a live ringd already serves the socket path.
type SocketInUseError struct{ Path string }

func (e *SocketInUseError) Error() string {
	return fmt.Sprintf("socket %s is in use by a running ringd; stop it first or set another socket", e.Path)
}

// Socket file modes (SPEC §5): the owner and its group may connect; nobody
// else may replace the socket or, in a directory Listen creates, see it.
const (
	socketMode    = 0o660
	socketDirMode = 0o750
)

// maxSocketPath is the longest path bind(2) takes (sun_path less its NUL).
const maxSocketPath = 107

// Listen creates the Unix socket at path: its directory 0750, the socket
// 0660. A directory that exists already keeps its mode, but it must belong
// to this user or root and be writable by nobody else, or another user could
// put their own socket in ringd's place. A stale socket file (nobody answers)
// is replaced; a live one is refused with *SocketInUseError; any other file
// at path is left alone and refused.
func Listen(path string) (*net.UnixListener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("socket path %s is %d bytes long; Unix sockets allow at most %d", path, len(path), maxSocketPath)
	}
	if err := prepareSocketDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(true)
	// Until this chmod the socket has the umask's mode; only a umask that
	// leaves others' write bit set would let them connect in that moment.
	if err := os.Chmod(path, socketMode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	return ln, nil
}

// prepareSocketDir creates dir with mode 0750 (parents as needed), or checks
// the one that exists.
func prepareSocketDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), socketDirMode); err != nil {
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	switch err := os.Mkdir(dir, socketDirMode); {
	case err == nil:
		if err := os.Chmod(dir, socketDirMode); err != nil { // the umask may have taken group bits
			return fmt.Errorf("socket directory %s: %w", dir, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	return checkSocketDir(dir)
}

// checkSocketDir refuses a directory someone else could change the socket
// in: not owned by this user (or root), or writable by group or others.
func checkSocketDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("socket directory %s: cannot read its owner", dir)
	}
	if euid := os.Geteuid(); int(st.Uid) != euid && st.Uid != 0 {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to this user (uid %d) or root; "+
			"remove it or choose another socket path", dir, st.Uid, euid)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("socket directory %s has mode %04o: others could replace the socket; "+
			"use a directory only its owner can write (e.g. chmod 0750 %s) or another socket path", dir, perm, dir)
	}
	return nil
}

func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("socket %s: a file that is not a socket is in the way", path)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return &SocketInUseError{Path: path}
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("socket %s: cannot tell whether a ringd is behind it: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}
