/* lib_mount.c: overlay and bind mounts for image root filesystems and volumes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flotilla.h"

/* bad_path: overlay options are comma-separated and lowerdir is colon-separated */
static int bad_path(const char *p, int colon_ok) {
  return p == NULL || p[0] == '\0' || strchr(p, ',') != NULL || (!colon_ok && strchr(p, ':') != NULL);
}

static int fs_set(int fd, const char *key, const char *value, const char *target, struct flt_error *err) {
  if (fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0) < 0)
    return flt_error_sys(err, "overlay `%s`: %s=%s", target, key, value);
  return 0;
}

/* make_dir makes path unless it exists, and its missing parents first (mkdir -p, mode 0755 less umask). */
static int make_dir(const char *path, struct flt_error *err) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return flt_error_sys(err, "mkdir `%s`", path);
  char parent[PATH_MAX];
  if ((size_t)snprintf(parent, sizeof parent, "%s", path) >= sizeof parent)
    return flt_error_set(err, ENAMETOOLONG, "mkdir `%s`: path too long", path);
  char *slash = strrchr(parent, '/');
  if (slash == NULL || slash == parent) return flt_error_set(err, ENOENT, "mkdir `%s`: no such parent", path);
  *slash = '\0';
  if (make_dir(parent, err) < 0) return -1;
  if (mkdir(path, 0777) < 0 && errno != EEXIST) return flt_error_sys(err, "mkdir `%s`", path);
  return 0;
}

/* mount_overlay_fsconfig mounts an overlay whose options do not fit in one page (many layers):
 * the new mount API takes each lower layer on its own ("lowerdir+", Linux 6.8). */
static int mount_overlay_fsconfig(const char *lowerdirs, const char *upperdir, const char *workdir,
                                  const char *target, struct flt_error *err) {
  int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0) return flt_error_sys(err, "overlay `%s`: fsopen (needed for this many layers)", target);
  int rc = 0;
  char layer[4096];
  for (const char *p = lowerdirs; rc == 0 && *p != '\0';) {
    size_t n = strcspn(p, ":");
    if (n >= sizeof layer) {
      rc = flt_error_set(err, ENAMETOOLONG, "overlay `%s`: a lower directory path is too long", target);
      break;
    }
    memcpy(layer, p, n);
    layer[n] = '\0';
    rc = fs_set(fs, "lowerdir+", layer, target, err);
    p += n + (p[n] == ':');
  }
  if (rc == 0 && upperdir != NULL) rc = fs_set(fs, "upperdir", upperdir, target, err);
  if (rc == 0 && upperdir != NULL) rc = fs_set(fs, "workdir", workdir, target, err);
  if (rc == 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) rc = flt_error_sys(err, "mount overlay on `%s`", target);
  int mnt = rc == 0 ? fsmount(fs, FSMOUNT_CLOEXEC, upperdir == NULL ? MOUNT_ATTR_RDONLY : 0) : -1;
  if (rc == 0 && mnt < 0) rc = flt_error_sys(err, "mount overlay on `%s`: fsmount", target);
  if (rc == 0 && move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    rc = flt_error_sys(err, "mount overlay on `%s`", target);
  if (mnt >= 0) close(mnt);
  close(fs);
  return rc;
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
  if (target == NULL || target[0] == '\0') return flt_error_set(err, EINVAL, "overlay: no target");
  /* made here, not by the caller, so that one call on a worker thread does all of a rootfs's file system work */
  if (make_dir(target, err) < 0 || (has_upper && (make_dir(upperdir, err) < 0 || make_dir(workdir, err) < 0))) return -1;
  int n = has_upper ? snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s", lowerdirs, upperdir, workdir)
                    : snprintf(data, sizeof data, "lowerdir=%s", lowerdirs);
  if (n < 0 || (size_t)n >= sizeof data) return mount_overlay_fsconfig(lowerdirs, has_upper ? upperdir : NULL, workdir, target, err);
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
