/* lib_mount.c: overlay and bind mounts for image root filesystems and volumes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "flotilla.h"

/* bad_path: overlay options are comma-separated and lowerdir is colon-separated */
static int bad_path(const char *p, int colon_ok) {
  return p == NULL || p[0] == '\0' || strchr(p, ',') != NULL || (!colon_ok && strchr(p, ':') != NULL);
}

int flt_mount_overlay(const char *lowerdirs, const char *upperdir, const char *workdir, const char *target,
                      struct flt_error *err) {
  char data[4096];
  int has_upper = upperdir != NULL && upperdir[0] != '\0';
  if (bad_path(lowerdirs, 1))
    return flt_error_set(err, EINVAL, "overlay `%s`: lowerdir must be non-empty without ','", target ? target : "");
  if (has_upper && (bad_path(upperdir, 0) || bad_path(workdir, 0)))
    return flt_error_set(err, EINVAL, "overlay `%s`: upperdir and workdir must be paths without ',' or ':'",
                         target ? target : "");
  int n = has_upper ? snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s", lowerdirs, upperdir, workdir)
                    : snprintf(data, sizeof data, "lowerdir=%s", lowerdirs);
  if (n < 0 || (size_t)n >= sizeof data)
    return flt_error_set(err, ENAMETOOLONG, "overlay `%s`: mount options longer than %zu bytes (too many layers)",
                         target, sizeof data - 1);
  /* a single lower layer without an upper one is not an overlay the kernel accepts: bind it read-only */
  if (!has_upper && strchr(lowerdirs, ':') == NULL) return flt_mount_bind(lowerdirs, target, 1, err);
  if (mount("overlay", target, "overlay", has_upper ? 0 : MS_RDONLY, data) < 0)
    return flt_error_sys(err, "mount overlay on `%s`", target);
  return 0;
}

int flt_mount_bind(const char *src, const char *dst, int readonly, struct flt_error *err) {
  if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) return flt_error_sys(err, "mount `%s` on `%s` (bind)", src, dst);
  if (readonly && mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
    int r = flt_error_sys(err, "remount `%s` read-only", dst);
    umount2(dst, MNT_DETACH);
    return r;
  }
  return 0;
}

int flt_unmount(const char *target, int flags, struct flt_error *err) {
  if (umount2(target, flags) < 0) return flt_error_sys(err, "unmount `%s`", target);
  return 0;
}
