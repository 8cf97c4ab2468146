package paths

import (
	"reflect"
	"testing"
)

func TestResolve(t *testing.T) {
	allXDG := map[string]string{
		"XDG_RUNTIME_DIR": "/run/user/1000",
		"XDG_STATE_HOME":  "/home/ann/state",
		"XDG_CONFIG_HOME": "/home/ann/cfg",
	}
	tests := []struct {
		name string
		euid int
		env  map[string]string
		home string
		want defaults
	}{
		{
			name: "root ignores XDG and home",
			euid: 0, env: allXDG, home: "/root",
			want: defaults{
				socket:      "/run/ringd/ringd.sock",
				dataDir:     "/var/lib/ringd",
				configFiles: []string{"/etc/ringd/ringd.yaml"},
			},
		},
		{
			name: "user with XDG variables",
			euid: 1000, env: allXDG, home: "/home/ann",
			want: defaults{
				socket:      "/run/user/1000/ringd/ringd.sock",
				dataDir:     "/home/ann/state/ringd",
				configFiles: []string{"/home/ann/cfg/ringd/ringd.yaml", "/etc/ringd/ringd.yaml"},
			},
		},
		{
			name: "user without XDG variables",
			euid: 1000, home: "/home/ann",
			want: defaults{
				socket:      "/tmp/ringd-1000/ringd.sock",
				dataDir:     "/home/ann/.local/state/ringd",
				configFiles: []string{"/home/ann/.config/ringd/ringd.yaml", "/etc/ringd/ringd.yaml"},
			},
		},
		{
			name: "relative XDG values are ignored",
			euid: 1000, home: "/home/ann",
			env: map[string]string{
				"XDG_RUNTIME_DIR": "run",
				"XDG_STATE_HOME":  "state",
				"XDG_CONFIG_HOME": "cfg",
			},
			want: defaults{
				socket:      "/tmp/ringd-1000/ringd.sock",
				dataDir:     "/home/ann/.local/state/ringd",
				configFiles: []string{"/home/ann/.config/ringd/ringd.yaml", "/etc/ringd/ringd.yaml"},
			},
		},
		{
			name: "user without XDG variables or home",
			euid: 1001,
			want: defaults{
				socket:      "/tmp/ringd-1001/ringd.sock",
				dataDir:     "/tmp/ringd-1001/state",
				configFiles: []string{"/etc/ringd/ringd.yaml"},
			},
		},
		{
			name: "a systemd service's directories, the first of each list",
			euid: 998, home: "/nonexistent",
			env: map[string]string{
				"RUNTIME_DIRECTORY": "/run/ringd:/run/other",
				"STATE_DIRECTORY":   "/var/lib/ringd",
			},
			want: defaults{
				socket:      "/run/ringd/ringd.sock",
				dataDir:     "/var/lib/ringd",
				configFiles: []string{"/nonexistent/.config/ringd/ringd.yaml", "/etc/ringd/ringd.yaml"},
			},
		},
		{
			name: "relative service directories are ignored",
			euid: 998,
			env:  map[string]string{"RUNTIME_DIRECTORY": "run", "STATE_DIRECTORY": "state"},
			want: defaults{
				socket:      "/tmp/ringd-998/ringd.sock",
				dataDir:     "/tmp/ringd-998/state",
				configFiles: []string{"/etc/ringd/ringd.yaml"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			got := resolve(tt.euid, getenv, tt.home)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("resolve() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestExported(t *testing.T) {
	if DefaultSocket() == "" || DefaultDataDir() == "" || len(DefaultConfigFiles()) == 0 {
		t.Fatal("a default is empty")
	}
}

func TestClientSocketFallsBackToTheSystemOne(t *testing.T) {
	own := "/run/user/1000/ringd/ringd.sock"
	tests := []struct {
		name  string
		there []string
		want  string
	}{
		{"both there: the user's own", []string{own, SystemSocket}, own},
		{"only the system's", []string{SystemSocket}, SystemSocket},
		{"only the user's", []string{own}, own},
		{"neither: the user's, which the error names", nil, own},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exists := func(p string) bool {
				for _, q := range tt.there {
					if p == q {
						return true
					}
				}
				return false
			}
			if got := clientSocket(own, exists); got != tt.want {
				t.Errorf("clientSocket = %s, want %s", got, tt.want)
			}
		})
	}
}
