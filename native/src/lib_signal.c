/* lib_signal.c: signalling container processes, through a pidfd when the kernel has one. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "flotilla.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

int flt_kill(int pid, int signal, struct flt_error *err) {
  if (pid <= 0) return flt_error_set(err, EINVAL, "kill: pid %d is not a process", pid);
  if (kill(pid, signal) < 0) return flt_error_sys(err, "kill %d with signal %d", pid, signal);
  return 0;
}

int flt_pidfd_signal(int pid, int signal, struct flt_error *err) {
  if (pid <= 0) return flt_error_set(err, EINVAL, "pidfd: pid %d is not a process", pid);
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return flt_error_sys(err, "pidfd_open %d", pid);
  int rc = 0;
  if (syscall(SYS_pidfd_send_signal, fd, signal, NULL, 0) < 0)
    rc = flt_error_sys(err, "pidfd_send_signal %d with signal %d", pid, signal);
  close(fd);
  return rc;
}
