/* cgroup_mount.c: the container's view of /sys/fs/cgroup, as runc builds it: on cgroup v1 a
 * tmpfs with each hierarchy's container cgroup bound read-only beneath it, on v2 the
 * container's own cgroup (or a fresh cgroup2 mount inside a cgroup namespace). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "flt_container.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* own_cgroup_path finds this process's path in the v1 hierarchy whose super options are opts. */
static int own_cgroup_path(const char *opts, char *out, size_t len) {
  FILE *f = fopen("/proc/self/cgroup", "re");
  char line[1024];
  int found = 0;
  if (f == NULL) return 0;
  while (!found && fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    char *ctrl = strchr(line, ':');
    char *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
    if (path == NULL || path == ctrl + 1) continue; /* the v2 line "0::/" */
    *path++ = '\0';
    ctrl++;
    found = 1;
    char *save = NULL;
    for (char *c = strtok_r(ctrl, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
      char want[128];
      snprintf(want, sizeof want, ",%s,", c);
      char have[1024];
      snprintf(have, sizeof have, ",%s,", opts);
      if (strstr(have, want) == NULL) found = 0;
    }
    if (found) snprintf(out, len, "%s", path);
  }
  fclose(f);
  return found;
}

static int bind_ro(const char *src, const char *dst, unsigned long flags, const char *what, struct flt_error *err) {
  if (mkdir(dst, 0755) < 0 && errno != EEXIST) return flt_error_sys(err, "mkdir `%s`", what);
  if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) return flt_error_sys(err, "mount `%s` (bind `%s`)", what, src);
  if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, NULL) < 0)
    return flt_error_sys(err, "remount `%s` read-only", what);
  return 0;
}

static int mount_v1(const char *target, unsigned long flags, struct flt_error *err) {
  unsigned long keep = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
  if (mount("tmpfs", target, "tmpfs", keep, "mode=755") < 0) return flt_error_sys(err, "mount `/sys/fs/cgroup` (tmpfs)");
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return flt_error_sys(err, "open `/proc/self/mountinfo`");
  char *line = NULL;
  size_t cap = 0;
  int rc = 0;
  while (rc == 0 && getline(&line, &cap, f) > 0) {
    /* "id parent maj:min root mountpoint opts [optional...] - fstype source superopts" */
    char *sep = strstr(line, " - ");
    char mnt[PATH_MAX], fstype[32], superopts[512];
    if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1) continue;
    if (sscanf(sep + 3, "%31s %*s %511s", fstype, superopts) != 2 || strcmp(fstype, "cgroup") != 0) continue;
    if (strncmp(mnt, "/sys/fs/cgroup/", 15) != 0 || strchr(mnt + 15, '/') != NULL) continue;
    char own[PATH_MAX], src[PATH_MAX * 2], dst[PATH_MAX * 2], what[PATH_MAX];
    if (!own_cgroup_path(superopts, own, sizeof own)) continue;
    snprintf(src, sizeof src, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
    snprintf(dst, sizeof dst, "%s/%s", target, mnt + 15);
    snprintf(what, sizeof what, "%s", mnt);
    rc = bind_ro(src, dst, keep, what, err);
  }
  free(line);
  fclose(f);
  return rc; /* the tmpfs itself stays writable, as under runc; the hierarchies are read-only */
}

int flt_cgroup_mount(const char *target, unsigned long flags, int new_cgroupns, char *const *dirs, int n_dirs,
                     struct flt_error *err) {
  struct statfs sf;
  if (statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
    if (!new_cgroupns) {
      for (int i = 0; i < n_dirs; i++) {
        struct statfs d;
        if (statfs(dirs[i], &d) == 0 && (unsigned long)d.f_type == CGROUP2_SUPER_MAGIC)
          return bind_ro(dirs[i], target, flags & ~(unsigned long)MS_RDONLY, "/sys/fs/cgroup", err);
      }
    }
    if (mount("cgroup2", target, "cgroup2", flags, NULL) < 0) return flt_error_sys(err, "mount `/sys/fs/cgroup` (cgroup2)");
    return 0;
  }
  return mount_v1(target, flags, err);
}
