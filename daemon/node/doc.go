// Package node is the ring node: it drives the ring machine (package ring)
// over TCP (package transport), keeps its history and state in the store,
// and answers the calls of the local API. It knows nothing of that API;
// package ipc is a thin layer over the methods of Node.
package node
