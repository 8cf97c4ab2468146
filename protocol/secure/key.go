package secure

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
)

// KeySize is the length of a cluster key in bytes.
const KeySize = 32

// Key is a cluster secret shared by every node of a ring.
type Key [KeySize]byte

// NewKey returns a fresh random key.
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("secure: random key: %w", err)
	}
	return k, nil
}

// String is the key in the secret file's form: standard base64.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// ParseKey reads a key written by String.
func ParseKey(s string) (Key, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return Key{}, fmt.Errorf("not base64: %w", err)
	}
	if len(b) != KeySize {
		return Key{}, fmt.Errorf("%d bytes, a key has %d (make one with `ringd keygen`)", len(b), KeySize)
	}
	var k Key
	copy(k[:], b)
	return k, nil
}

// LoadKeys reads a secret file: one key per line, blank lines and lines
// starting with # ignored. The first key is the one this node uses to
// connect; every key is accepted from peers, so that the secret of a running
// ring can be changed one node at a time. A file that others than its owner
// and group may read is refused.
func LoadKeys(path string) ([]Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("secret file %s: mode %04o lets any user read the ring's secret; chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	return parseKeys(path, data)
}

func parseKeys(path string, data []byte) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("secret file %s line %d: %w", path, line, err)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("secret file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secret file %s holds no key (make one with `ringd keygen`)", path)
	}
	return keys, nil
}
