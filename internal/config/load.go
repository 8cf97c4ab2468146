package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/ringchat/ring/internal/paths"
)

const defaultSource = "default"

// layer holds the values one source provides, by key name.
type layer struct {
	values map[string]any
	source func(key) string
	// text is true for command-line and environment values, which are
	// always strings to parse; YAML values already carry their type.
	text bool
}

// Load reads the config file, environment and flags described by opts
// and returns the validated result. Every error it returns is an *Error.
func Load(opts Options) (*Config, error) {
	c, _, err := loadWithSources(opts)
	return c, err
}

// LoadEffective is Load, and also lists every setting in force with its
// source (`ringd config check`).
func LoadEffective(opts Options) (*Config, []Setting, error) {
	c, src, err := loadWithSources(opts)
	if err != nil {
		return nil, nil, err
	}
	return c, effective(c, src), nil
}

// loadWithSources is Load, with the source of each key's value: the file's path,
// "env RINGD_X", "flag --x" or "default".
func loadWithSources(opts Options) (*Config, map[string]string, error) {
	c := defaults()

	path, file, err := fileLayer(opts)
	if err != nil {
		return nil, nil, err
	}
	env, err := envLayer(opts.Environ)
	if err != nil {
		return nil, nil, err
	}
	c.File = path
	layers := []layer{flagLayer(opts.Flags), env, file}

	// src records where each setting came from, for error messages.
	src := make(map[string]string, len(keys))
	for _, k := range keys {
		src[k.name] = defaultSource
		for _, l := range layers {
			v, ok := l.values[k.name]
			if !ok {
				continue
			}
			// Overridden values are still type checked, so that a broken
			// file does not go unnoticed until the override is removed.
			dst := new(Config)
			if src[k.name] == defaultSource {
				dst = c
				src[k.name] = l.source(k)
			}
			if p := convert(k.field(dst), v, l.text, k.zeroOK); p != "" {
				return nil, nil, &Error{Source: l.source(k), Key: k.name, Problem: p}
			}
		}
	}

	advertiseDerived := src["advertise"] == defaultSource
	if advertiseDerived {
		c.Advertise = c.Listen
		if host, port, p := splitAddr(c.Listen); p == "" && port == 0 && host != "" && !isUnspecified(host) {
			// Port 0 picks a free port at bind time; the node then
			// advertises the address it actually bound.
			c.Advertise = ""
		}
	}
	for _, k := range keys {
		if k.check == nil {
			continue
		}
		p := k.check(c)
		switch {
		case p == "":
			continue
		case k.name == "advertise" && advertiseDerived:
			return nil, nil, &Error{Source: src["listen"], Key: k.name, Problem: fmt.Sprintf(
				"not set, and listen %q is not an address peers can dial; "+
					"set advertise to the host:port peers should use to reach this node", c.Listen)}
		case src[k.name] == defaultSource:
			p += "; set " + k.name + " explicitly"
		}
		return nil, nil, &Error{Source: src[k.name], Key: k.name, Problem: p}
	}

	fromDefault := func(key string) bool { return src[key] == defaultSource }
	if k, p := checkLimits(c, fromDefault); k != "" {
		if fromDefault(k) {
			p += "; set " + k + " explicitly"
		}
		return nil, nil, &Error{Source: src[k], Key: k, Problem: p}
	}
	if c.FailureTimeout <= c.HeartbeatInterval {
		k := "failure_timeout"
		if src[k] == defaultSource {
			k = "heartbeat_interval"
		}
		return nil, nil, &Error{Source: src[k], Key: k, Problem: fmt.Sprintf(
			"failure_timeout (%v) must be greater than heartbeat_interval (%v)",
			c.FailureTimeout, c.HeartbeatInterval)}
	}
	return c, src, nil
}

func flagLayer(fs *pflag.FlagSet) layer {
	l := layer{
		values: map[string]any{},
		source: func(k key) string { return "flag --" + k.flag() },
		text:   true,
	}
	if fs == nil {
		return l
	}
	for _, k := range keys {
		f := fs.Lookup(k.flag())
		if f == nil || !f.Changed {
			continue
		}
		if s, ok := f.Value.(pflag.SliceValue); ok {
			l.values[k.name] = s.GetSlice()
		} else {
			l.values[k.name] = f.Value.String()
		}
	}
	return l
}

func envLayer(environ []string) (layer, error) {
	l := layer{
		values: map[string]any{},
		source: func(k key) string { return "env " + k.env() },
		text:   true,
	}
	byEnv := make(map[string]key, len(keys))
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		byEnv[k.env()] = k
		names = append(names, k.env())
	}
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "RINGD_") {
			continue
		}
		k, ok := byEnv[name]
		if !ok {
			p := "unknown variable"
			if s := closest(name, names); s != "" {
				p += fmt.Sprintf(" (did you mean %s?)", s)
			}
			return l, &Error{Source: "env " + name, Problem: p}
		}
		// As with viper, an empty variable counts as unset.
		if val == "" {
			delete(l.values, k.name)
			continue
		}
		l.values[k.name] = val
	}
	return l, nil
}

// fileLayer reads the config file and returns its path, "" if there is
// none, and its values.
func fileLayer(opts Options) (string, layer, error) {
	l := layer{values: map[string]any{}}
	path, data, err := readFile(opts)
	if err != nil || path == "" {
		return "", l, err
	}
	l.source = func(key) string { return path }
	bad := func(name, problem string) error {
		return &Error{Source: path, Key: name, Problem: problem}
	}

	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
		return "", l, bad("", "invalid YAML: "+yamlProblem(err))
	}

	known := make(map[string]bool, len(keys))
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		known[k.name] = true
		names = append(names, k.name)
	}
	found := v.AllKeys()
	slices.Sort(found)
	for _, name := range found {
		if known[name] || hasKnownPrefix(name) {
			continue // a known key holding a mapping is reported by convert
		}
		if sub := sectionKeys(name); sub != nil {
			if v.Get(name) == nil {
				continue // an empty section, like "log:" alone
			}
			return "", l, bad(name, fmt.Sprintf("expected a mapping with keys %s, got %s",
				strings.Join(sub, ", "), describe(v.Get(name))))
		}
		if name == "" {
			return "", l, bad("", "empty key")
		}
		return "", l, bad(name, unknownKey(name, names))
	}

	for _, k := range keys {
		// viper reports a YAML null as unset, which keeps the default.
		if v.IsSet(k.name) {
			l.values[k.name] = v.Get(k.name)
		}
	}
	return path, l, nil
}

// readFile returns the path and contents of the config file to use, or
// "" if no -c was given and no default file exists.
func readFile(opts Options) (string, []byte, error) {
	read := func(path string) ([]byte, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &Error{Source: path, Problem: "cannot read config file: " + err.Error()}
		}
		return data, nil
	}
	if opts.File != "" {
		data, err := read(opts.File)
		return opts.File, data, err
	}
	search := opts.SearchPaths
	if search == nil {
		search = paths.DefaultConfigFiles()
	}
	for _, path := range search {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		data, err := read(path)
		return path, data, err
	}
	return "", nil, nil
}

func hasKnownPrefix(name string) bool {
	for _, k := range keys {
		if strings.HasPrefix(name, k.name+".") {
			return true
		}
	}
	return false
}

// sectionKeys returns the keys below section name, or nil if name is not
// a section such as "log".
func sectionKeys(name string) []string {
	var sub []string
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k.name, name+"."); ok {
			sub = append(sub, rest)
		}
	}
	return sub
}

func unknownKey(name string, names []string) string {
	p := "unknown key"
	if s := closest(name, names); s != "" {
		return p + fmt.Sprintf(" (did you mean %q?)", s)
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		if sub := sectionKeys(name[:i]); sub != nil {
			return p + fmt.Sprintf(" (known keys under %s: %s)", name[:i], strings.Join(sub, ", "))
		}
	}
	return p
}

// yamlProblem turns a YAML error into one line without Go type names.
func yamlProblem(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.ReplaceAll(msg, " into map[string]interface {}", " into a mapping of keys to values")
	lines := strings.Split(msg, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}
