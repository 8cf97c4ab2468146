package seglog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

var segmentHeader = []byte("ringseg1")

const segmentSuffix = ".seg"

// segmentName is the file name of segment n: fixed width, so the names
// sort as the numbers do.
func segmentName(n uint64) string {
	return fmt.Sprintf("%020d%s", n, segmentSuffix)
}

// listSegments returns the numbers of the segments in dir, in order.
// Files that are not segments are left alone.
func listSegments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var nums []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segmentSuffix)
		if !ok || len(name) != 20 || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(name, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums, nil
}

// createSegment makes segment n with its header, durable together with
// its directory entry.
func createSegment(dir string, n uint64) (*os.File, error) {
	path := filepath.Join(dir, segmentName(n))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("seglog: create segment: %w", err)
	}
	if _, err := f.Write(segmentHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("seglog: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("seglog: sync %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkHeader says whether a segment starts as one must.
func checkHeader(f *os.File) (bool, error) {
	got := make([]byte, len(segmentHeader))
	n, err := f.ReadAt(got, 0)
	if n < len(got) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, segmentHeader), nil
}

// syncDir makes the creation, removal or renaming of files in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("seglog: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("seglog: sync directory %s: %w", dir, err)
	}
	return nil
}
