/* cgroup_mount.c: the container's view of /sys/fs/cgroup, as runc builds it: on cgroup v1 a
 * tmpfs with each hierarchy's container cgroup bound read-only beneath it, on v2 the
 * container's own cgroup (or a fresh cgroup2 mount inside a cgroup namespace). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "flt_container.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CGROUP_ROOT "/sys/fs/cgroup/"

/* read_self_cgroup reads /proc/self/cgroup ("4:memory:/path" lines) once for every hierarchy's lookup;
 * out is empty when it cannot be read. */
static void read_self_cgroup(char *out, size_t len) {
  ssize_t n = -1;
  int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    size_t got = 0;
    while (got + 1 < len && (n = read(fd, out + got, len - 1 - got)) > 0) got += (size_t)n;
    close(fd);
    n = (ssize_t)got;
  }
  out[n > 0 ? n : 0] = '\0';
}

/* own_cgroup_path finds, in the text of /proc/self/cgroup, this process's path in the v1 hierarchy
 * whose controllers (or super options: "rw,cpu") are opts. */
static int own_cgroup_path(const char *self_cgroup, const char *opts, char *out, size_t len) {
  char have[1024];
  snprintf(have, sizeof have, ",%s,", opts);
  for (const char *p = self_cgroup; *p != '\0';) {
    size_t n = strcspn(p, "\n");
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)n, p);
    p += n + (p[n] == '\n');
    char *ctrl = strchr(line, ':');
    char *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
    if (path == NULL || path == ctrl + 1) continue; /* the v2 line "0::/" */
    *path++ = '\0';
    ctrl++;
    int found = 1;
    char *save = NULL;
    for (char *c = strtok_r(ctrl, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
      char want[128];
      snprintf(want, sizeof want, ",%s,", c);
      if (strstr(have, want) == NULL) found = 0;
    }
    if (found) {
      snprintf(out, len, "%s", path);
      return 1;
    }
  }
  return 0;
}

static int bind_ro(const char *src, const char *dst, unsigned long flags, const char *what, struct flt_error *err) {
  if (mkdir(dst, 0755) < 0 && errno != EEXIST) return flt_error_sys(err, "mkdir `%s`", what);
  if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) return flt_error_sys(err, "mount `%s` (bind `%s`)", what, src);
  if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, NULL) < 0)
    return flt_error_sys(err, "remount `%s` read-only", what);
  return 0;
}

/* bind_hierarchy binds this process's cgroup of the hierarchy mounted at mnt (controllers in opts)
 * read-only at the same name under target; hierarchies not directly under /sys/fs/cgroup, or that
 * this process is in no cgroup of, are left out. */
static int bind_hierarchy(const char *target, const char *mnt, const char *opts, const char *self_cgroup,
                          unsigned long keep, struct flt_error *err) {
  if (strncmp(mnt, CGROUP_ROOT, strlen(CGROUP_ROOT)) != 0 || mnt[strlen(CGROUP_ROOT)] == '\0' ||
      strchr(mnt + strlen(CGROUP_ROOT), '/') != NULL)
    return 0;
  char own[PATH_MAX], src[PATH_MAX * 2], dst[PATH_MAX * 2];
  if (!own_cgroup_path(self_cgroup, opts, own, sizeof own)) return 0;
  snprintf(src, sizeof src, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
  snprintf(dst, sizeof dst, "%s/%s", target, mnt + strlen(CGROUP_ROOT));
  return bind_ro(src, dst, keep, mnt, err);
}

/* bind_from_mountinfo finds the v1 hierarchies in /proc/self/mountinfo: what the shim does when run
 * alone, without --cgroup-hierarchy. */
static int bind_from_mountinfo(const char *target, const char *self_cgroup, unsigned long keep, struct flt_error *err) {
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
    rc = bind_hierarchy(target, mnt, superopts, self_cgroup, keep, err);
  }
  free(line);
  fclose(f);
  return rc;
}

static int mount_v1(const char *target, unsigned long flags, const struct flt_cgroups *cg, struct flt_error *err) {
  unsigned long keep = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
  /* the tmpfs itself stays writable, as under runc; the hierarchies are read-only */
  if (mount("tmpfs", target, "tmpfs", keep, "mode=755") < 0) return flt_error_sys(err, "mount `/sys/fs/cgroup` (tmpfs)");
  char self_cgroup[4096];
  read_self_cgroup(self_cgroup, sizeof self_cgroup);
  if (cg->n_hierarchies == 0) return bind_from_mountinfo(target, self_cgroup, keep, err);
  for (int i = 0; i < cg->n_hierarchies; i++) {
    /* "CONTROLLERS:MOUNTPOINT", checked by the shim's option parser */
    const char *h = cg->hierarchies[i];
    const char *colon = strchr(h, ':');
    char opts[512];
    snprintf(opts, sizeof opts, "%.*s", (int)(colon - h), h);
    if (bind_hierarchy(target, colon + 1, opts, self_cgroup, keep, err) < 0) return -1;
  }
  return 0;
}

int flt_cgroup_mount(const char *target, unsigned long flags, int new_cgroupns, const struct flt_cgroups *cg,
                     struct flt_error *err) {
  struct statfs sf;
  if (statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
    if (!new_cgroupns) {
      for (int i = 0; i < cg->n_dirs; i++) {
        struct statfs d;
        if (statfs(cg->dirs[i], &d) == 0 && (unsigned long)d.f_type == CGROUP2_SUPER_MAGIC)
          return bind_ro(cg->dirs[i], target, flags & ~(unsigned long)MS_RDONLY, "/sys/fs/cgroup", err);
      }
    }
    if (mount("cgroup2", target, "cgroup2", flags, NULL) < 0) return flt_error_sys(err, "mount `/sys/fs/cgroup` (cgroup2)");
    return 0;
  }
  return mount_v1(target, flags, cg, err);
}
