/* lib_features.c: what this kernel offers (cgroup version, pidfd, overlay, namespaces), as JSON. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "flotilla.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int has_filesystem(const char *name) {
  FILE *f = fopen("/proc/filesystems", "re");
  char line[128];
  int found = 0;
  if (f == NULL) return 0;
  while (!found && fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    const char *fs = strrchr(line, '\t');
    found = strcmp(fs ? fs + 1 : line, name) == 0;
  }
  fclose(f);
  return found;
}

static int is_cgroup2(const char *path) {
  struct statfs sf;
  return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC;
}

int flt_features(char *out, int len, struct flt_error *err) {
  if (out == NULL || len < 256) return flt_error_set(err, EINVAL, "features: buffer of %d bytes is too small", len);
  int v2 = is_cgroup2("/sys/fs/cgroup");
  int hybrid = !v2 && is_cgroup2("/sys/fs/cgroup/unified");
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd >= 0) close(pidfd);
  struct utsname u;
  if (uname(&u) < 0) return flt_error_sys(err, "uname");
  char ns[256] = "";
  DIR *d = opendir("/proc/self/ns");
  if (d == NULL) return flt_error_sys(err, "open `/proc/self/ns`");
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t l = strlen(ns), nl = strlen(e->d_name);
    if (l + nl + 4 >= sizeof ns) break;
    if (l > 0) ns[l++] = ',';
    ns[l++] = '"';
    memcpy(ns + l, e->d_name, nl);
    ns[l + nl] = '"';
    ns[l + nl + 1] = '\0';
  }
  closedir(d);
  int n = snprintf(out, (size_t)len,
                   "{\"cgroupVersion\":%d,\"cgroupHybrid\":%s,\"pidfd\":%s,\"overlay\":%s,\"namespaces\":[%s],"
                   "\"kernel\":\"%s\"}",
                   v2 ? 2 : 1, hybrid ? "true" : "false", pidfd >= 0 ? "true" : "false",
                   has_filesystem("overlay") ? "true" : "false", ns, u.release);
  if (n < 0 || n >= len) return flt_error_set(err, ENOSPC, "features: buffer of %d bytes is too small", len);
  return 0;
}
