// Package config loads ringd's configuration. Each setting comes from, in
// decreasing precedence, a command-line flag, a RINGD_* environment
// variable, the YAML config file, or a built-in default. Values are type
// checked and validated as they are read, and every problem is reported as
// an *Error naming where the bad value came from.
package config
