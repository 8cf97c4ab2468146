package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/viper"
)

const defaultFile = "../../configs/ringd.yaml"

// TestDefaultFile keeps configs/ringd.yaml in step with the code: it must
// load, hold the defaults, and document every key with its variable and flag.
func TestDefaultFile(t *testing.T) {
	got, err := Load(Options{File: defaultFile})
	if err != nil {
		t.Fatalf("Load(%s): %v", defaultFile, err)
	}
	want := defaultConfig()
	want.File = defaultFile
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s does not hold the defaults:\ngot  %+v\nwant %+v", defaultFile, got, want)
	}

	data, err := os.ReadFile(defaultFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(text)); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		// Keys with computed defaults are present but commented out.
		commented := regexp.MustCompile(`(?m)^#` + regexp.QuoteMeta(k.name) + `: `)
		if !v.InConfig(k.name) && !commented.MatchString(text) {
			t.Errorf("key %s is missing from %s", k.name, defaultFile)
		}
		for _, doc := range []string{"Env " + k.env(), "flag --" + k.flag()} {
			if !strings.Contains(text, doc) {
				t.Errorf("%s does not mention %q", defaultFile, doc)
			}
		}
	}
}
