// pause: the pod sandbox's init process. Holds the pod's namespaces open, reaps orphans, and
// exits on SIGINT/SIGTERM, like kubernetes' build/pause/linux/pause.c (built from source here,
// statically, because this machine reaches no image registry).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
