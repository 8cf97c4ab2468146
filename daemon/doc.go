// Package daemon is the ring node: its identity, the chat it sequences and
// stores, and the watchers that follow it. It knows nothing of the local API;
// package ipc is a thin layer over the methods of Node.
package daemon
