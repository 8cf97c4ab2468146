package seglog

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDatasyncReportsErrors runs both ways of syncing (one processor and
// several) on an open file and on a closed descriptor.
func TestDatasyncReportsErrors(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	fd := f.Fd()
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		if err := datasync(fd); err != nil {
			t.Errorf("GOMAXPROCS=%d: datasync of an open file: %v", procs, err)
		}
		runtime.GOMAXPROCS(old)
	}
	f.Close()
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		if err := datasync(fd); !errors.Is(err, unix.EBADF) {
			t.Errorf("GOMAXPROCS=%d: datasync of a closed descriptor = %v, want EBADF", procs, err)
		}
		runtime.GOMAXPROCS(old)
	}
}
