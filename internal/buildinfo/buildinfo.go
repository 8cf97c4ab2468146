// Package buildinfo reports the version and commit a binary was built from.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at link time: -ldflags "-X github.com/ringchat/ring/internal/buildinfo.Version=... -X ...Commit=...".
var (
	Version = "dev"
	Commit  = ""
)

// Info is what `version` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go"`
}

// Get returns the build information, falling back on the module's VCS stamp.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && i.Commit == "" {
				i.Commit = s.Value
			}
		}
		if i.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	return i
}

func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, %s)", i.Version, i.Commit, i.GoVersion)
}
