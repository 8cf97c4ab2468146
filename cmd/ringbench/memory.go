package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// memSample is a process's memory from /proc/PID/status, in KiB.
type memSample struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the most resident so far
}

// readMem reads VmRSS and VmHWM of pid.
func readMem(pid int) (memSample, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memSample{}, err
	}
	return parseProcStatus(b)
}

// parseProcStatus takes VmRSS and VmHWM out of a /proc/PID/status file.
func parseProcStatus(b []byte) (memSample, error) {
	var s memSample
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 2 {
			continue
		}
		var dst *int64
		switch string(f[0]) {
		case "VmRSS:":
			dst = &s.RSS
		case "VmHWM:":
			dst = &s.Peak
		default:
			continue
		}
		v, err := strconv.ParseInt(string(f[1]), 10, 64)
		if err != nil {
			return memSample{}, fmt.Errorf("/proc status: %s %q: %w", f[0], f[1], err)
		}
		*dst = v
		found++
	}
	if found < 2 {
		return memSample{}, fmt.Errorf("/proc status has no VmRSS and VmHWM")
	}
	return s, nil
}

// sampleMem reads every live node's memory; a node whose pid is unknown or
// unreadable gets a zero sample and a note.
func sampleMem(c *cluster) (map[*node]memSample, []string) {
	out := map[*node]memSample{}
	var notes []string
	for _, n := range c.live() {
		if n.pid == 0 {
			notes = append(notes, n.name+": pid unknown, memory not read")
			continue
		}
		s, err := readMem(n.pid)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: memory not read: %v", n.name, err))
			continue
		}
		out[n] = s
	}
	return out, notes
}

// peerPID asks the kernel which process listens on a Unix socket
// (SO_PEERCRED of a connection to it).
func peerPID(socket string) (int, error) {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	raw, err := conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, fmt.Errorf("SO_PEERCRED: %w", credErr)
	}
	return int(cred.Pid), nil
}
