// Package packaging holds the recipe of ring's .deb and .rpm (nfpm.yaml,
// the maintainer scripts, the SysV init script and the systemd unit) and
// the test that installs, upgrades and purges the .deb on the machine it
// runs on. It has no Go code of its own.
package packaging
