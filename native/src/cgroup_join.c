/* cgroup_join.c: moving a process into the cgroup directories the caller prepared. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flt_container.h"

int flt_cgroup_join(char *const *dirs, int n, int pid, struct flt_error *err) {
  for (int i = 0; i < n; i++) {
    char path[PATH_MAX], buf[32];
    snprintf(path, sizeof path, "%s/cgroup.procs", dirs[i]);
    cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return flt_error_sys(err, "open `%s`", path);
    int len = snprintf(buf, sizeof buf, "%d", pid);
    if (write(fd, buf, (size_t)len) != len) return flt_error_sys(err, "write %d to `%s`", pid, path);
  }
  return 0;
}
