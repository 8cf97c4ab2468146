//go:build race

package main

// raceEnabled: the tests build ringd as they are built themselves, so under
// -race (make test) ringd shares the race-built packages already compiled
// for the tests, and is checked for races too.
const raceEnabled = true
