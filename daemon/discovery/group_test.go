package discovery

import "testing"

func TestParseGroup(t *testing.T) {
	g, err := ParseGroup(DefaultGroup)
	if err != nil || g.String() != DefaultGroup {
		t.Fatalf("ParseGroup(%s) = %v, %v", DefaultGroup, g, err)
	}
	for _, s := range []string{
		"", "239.255.77.33", "239.255.77.33:0", "239.255.77.33:99999", "239.255.77.33:x",
		"10.0.0.1:7734", "127.0.0.1:7734", "[ff02::1]:7734", "ringd.local:7734", ":7734",
		"240.0.0.1:7734",
	} {
		if g, err := ParseGroup(s); err == nil {
			t.Errorf("ParseGroup(%q) = %v, want an error", s, g)
		}
	}
}

func TestInterfacesNamed(t *testing.T) {
	if _, err := interfaces("no-such-if0"); err == nil {
		t.Fatal("a missing interface was accepted")
	}
	lo := loopbackName(t)
	ifs, err := interfaces(lo)
	if err != nil || len(ifs) != 1 || ifs[0].Name != lo {
		t.Fatalf("interfaces(%q) = %v, %v", lo, ifs, err)
	}
	all, err := interfaces("")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ifi := range all {
		found = found || ifi.Name == lo
	}
	if !found {
		t.Fatalf("the loopback %s is not among the default interfaces %v", lo, all)
	}
}
