/* flt_child.h: what the shim hands to the cloned container process, and their sync messages. */
#ifndef FLT_CHILD_H
#define FLT_CHILD_H

#include "flt_container.h"
#include "flt_error.h"
#include "flt_spec.h"

/* READY: set up, waiting for start; STARTING: started, execve next; ERROR: errno + message. */
enum { FLT_SYNC_READY = 1, FLT_SYNC_ERROR = 2, FLT_SYNC_STARTING = 3 };

/* flt_sync_msg travels from the child to the shim over a SOCK_SEQPACKET socketpair. */
struct flt_sync_msg {
  int type;
  struct flt_error err;
};

/* flt_child_args is everything the child needs; it is set up before clone(). */
struct flt_child_args {
  const struct flt_spec *spec;
  const char *rootfs;   /* absolute path of the root filesystem on the host */
  int sync_sock;        /* child end of the socketpair, CLOEXEC */
  int state_dirfd;      /* O_PATH fd of the state dir, for exec.fifo after pivot_root */
  int fifo_fd;          /* O_PATH fd of exec.fifo, -1 with --start */
  int stdout_fd;        /* write ends the container gets as fd 1 and 2 */
  int stderr_fd;
  struct flt_cgroups cgroups; /* dirs to join; v1 hierarchies for /sys/fs/cgroup when known */
  int close_fds[8];     /* the shim's own fds (sync fd, its socket end, log...), -1 for none */
  int start_now;        /* --start: exec without waiting on exec.fifo */
};

/* flt_child_run turns the cloned process into the container and execs; it never returns. */
void flt_child_run(const struct flt_child_args *a) __attribute__((noreturn));

#endif
