/* lib_ns.c: persistent network, IPC and UTS namespaces for pod sandboxes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flotilla.h"

static const struct {
  const char *name;
  int flag;
} kinds[] = {{"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

static int loopback_up(struct flt_error *err) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return flt_error_sys(err, "socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  int rc = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) rc = flt_error_sys(err, "ioctl SIOCGIFFLAGS `lo`");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (rc == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) rc = flt_error_sys(err, "ioctl SIOCSIFFLAGS `lo` up");
  close(fd);
  return rc;
}

/* ns_child runs in the cloned process: set up the new namespaces and bind them to their files.
 * Only syscalls and snprintf here: it shares the caller's memory (see flt_ns_create). */
static int ns_child(const char *dir, int flags, const char *hostname, struct flt_error *err) {
  if ((flags & CLONE_NEWUTS) && hostname != NULL && hostname[0] != '\0' &&
      sethostname(hostname, strlen(hostname)) < 0)
    return flt_error_sys(err, "sethostname `%s`", hostname);
  if ((flags & CLONE_NEWNET) && loopback_up(err) < 0) return -1;
  for (size_t i = 0; i < N_KINDS; i++) {
    if (!(flags & kinds[i].flag)) continue;
    char src[64], dst[PATH_MAX];
    snprintf(src, sizeof src, "/proc/%d/ns/%s", (int)syscall(SYS_getpid), kinds[i].name);
    snprintf(dst, sizeof dst, "%s/%s", dir, kinds[i].name);
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0) return flt_error_sys(err, "mount `%s` on `%s`", src, dst);
  }
  return 0;
}

/* NS_CHILD_STACK is the child's stack: ns_child needs a few KiB (paths, an ifreq, snprintf). */
#define NS_CHILD_STACK (64 * 1024)

/* ns_job is what the child reads and, on failure, writes back: it shares the caller's memory. */
struct ns_job {
  const char *dir;
  int flags;
  const char *hostname;
  struct flt_error err;
};

static int ns_child_main(void *arg) {
  struct ns_job *job = arg;
  return ns_child(job->dir, job->flags, job->hostname, &job->err) < 0 ? 1 : 0;
}

int flt_ns_remove(const char *dir, struct flt_error *err) {
  int rc = 0;
  for (size_t i = 0; i < N_KINDS; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, kinds[i].name);
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && rc == 0)
      rc = flt_error_sys(err, "unmount `%s`", path);
    if (unlink(path) < 0 && errno != ENOENT && rc == 0) rc = flt_error_sys(err, "unlink `%s`", path);
  }
  if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
    rc = flt_error_sys(err, "rmdir `%s`", dir);
  return rc;
}

int flt_ns_create(const char *dir, int flags, const char *hostname, struct flt_error *err) {
  if (flags == 0 || (flags & ~(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)) != 0)
    return flt_error_set(err, EINVAL, "namespaces `%s`: flags must be a non-empty mix of net, ipc and uts", dir);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) return flt_error_sys(err, "mkdir `%s`", dir);
  for (size_t i = 0; i < N_KINDS; i++) {
    if (!(flags & kinds[i].flag)) continue;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, kinds[i].name);
    int fd = open(path, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0444);
    if (fd < 0) {
      int r = flt_error_sys(err, "create `%s`", path);
      if (errno != EEXIST) flt_ns_remove(dir, NULL);
      return r;
    }
    close(fd);
  }
  /* CLONE_VM | CLONE_VFORK, as posix_spawn does: the child borrows this process's memory while the
   * calling thread waits, instead of a copy of the whole runtime's page tables (a fork of node costs
   * milliseconds, and leaves every page it wrote write-protected, to fault again in the parent).
   * Signals stay blocked in the child, so no handler of the caller runs on the shared memory. */
  struct ns_job job = {.dir = dir, .flags = flags, .hostname = hostname};
  flt_error_clear(&job.err);
  char *stack = malloc(NS_CHILD_STACK);
  if (stack == NULL) {
    flt_ns_remove(dir, NULL);
    return flt_error_set(err, ENOMEM, "namespaces `%s`: out of memory", dir);
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(ns_child_main, stack + NS_CHILD_STACK, CLONE_VM | CLONE_VFORK | flags | SIGCHLD, &job);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  free(stack);
  if (pid < 0) {
    errno = clone_errno;
    int r = flt_error_sys(err, "clone for namespaces `%s`", dir);
    flt_ns_remove(dir, NULL);
    return r;
  }
  int status;
  while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
  if (job.err.errno_value != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int r = job.err.errno_value != 0
                ? flt_error_set(err, job.err.errno_value, "%s", job.err.msg)
                : flt_error_set(err, EIO, "namespaces `%s`: helper process failed (status %d)", dir, status);
    flt_ns_remove(dir, NULL);
    return r;
  }
  return 0;
}

int flt_error_size(void) { return (int)sizeof(struct flt_error); }
