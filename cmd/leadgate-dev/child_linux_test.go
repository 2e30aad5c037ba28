package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest kills the server when the test process dies, a timeout's panic too,
// which runs no cleanup.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
