// Package ipc is the local API of ringd: HTTP/1.1 with JSON over a Unix
// socket. It is a thin layer over the node's methods; it owns the socket file,
// its permissions, and who is calling (SO_PEERCRED).
package ipc
