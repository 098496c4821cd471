/* lib_ns.c: persistent network, IPC and UTS namespaces for pod sandboxes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
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
 * Only syscalls and snprintf here: the parent may be multi-threaded. */
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
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    int r = flt_error_sys(err, "pipe");
    flt_ns_remove(dir, NULL);
    return r;
  }
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, NULL);
  if (pid == 0) {
    struct flt_error child_err;
    flt_error_clear(&child_err);
    close(pipefd[0]);
    if (ns_child(dir, flags, hostname, &child_err) < 0) {
      if (write(pipefd[1], &child_err, sizeof child_err) < 0) _exit(2);
      _exit(1);
    }
    _exit(0);
  }
  close(pipefd[1]);
  if (pid < 0) {
    int r = flt_error_sys(err, "clone for namespaces `%s`", dir);
    close(pipefd[0]);
    flt_ns_remove(dir, NULL);
    return r;
  }
  struct flt_error child_err;
  ssize_t n;
  do {
    n = read(pipefd[0], &child_err, sizeof child_err);
  } while (n < 0 && errno == EINTR);
  close(pipefd[0]);
  int status;
  while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
  if (n == (ssize_t)sizeof child_err || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int r = n == (ssize_t)sizeof child_err
                ? flt_error_set(err, child_err.errno_value, "%s", child_err.msg)
                : flt_error_set(err, EIO, "namespaces `%s`: helper process failed (status %d)", dir, status);
    flt_ns_remove(dir, NULL);
    return r;
  }
  return 0;
}

int flt_error_size(void) { return (int)sizeof(struct flt_error); }
