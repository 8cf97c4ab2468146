package seglog

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// datasync is fdatasync(fd), called without telling the Go scheduler that
// the thread blocks, when there is more than one processor.
//
// Why: an fdatasync takes hundreds of microseconds. Made the usual way,
// the scheduler's sysmon thread sees the processor sit in a system call,
// hands it to another thread, and when the sync returns the committer
// must wait for a processor again before it can report the commit: on a
// ring at 1,000 msg/s, about a quarter of a message's typical latency
// (docs/PERFORMANCE.md, change 6). Holding the processor instead
// leaves the other processors to run everything else; with only one, the
// whole daemon would stop for each sync, so there the usual call is kept.
// The cost: a garbage collection that must stop the world waits for a
// sync in progress.
func datasync(fd uintptr) error {
	if runtime.GOMAXPROCS(0) < 2 {
		return unix.Fdatasync(int(fd))
	}
	for range 100 { // EINTR is rare (signals, some file systems); a bound, not a spin
		_, _, e := unix.RawSyscall(unix.SYS_FDATASYNC, fd, 0, 0)
		if e != unix.EINTR {
			if e != 0 {
				return e
			}
			return nil
		}
	}
	return unix.EINTR
}
