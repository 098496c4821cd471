/* mounts.c: the container's filesystem: config.mounts, /dev, pivot_root, masked and read-only paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "flt_container.h"

static const struct {
  const char *name;
  unsigned long set;
  unsigned long clear;
  unsigned long propagation;
  int bind;
} mount_options[] = {
    {"ro", MS_RDONLY, 0, 0, 0},          {"rw", 0, MS_RDONLY, 0, 0},
    {"nosuid", MS_NOSUID, 0, 0, 0},      {"suid", 0, MS_NOSUID, 0, 0},
    {"nodev", MS_NODEV, 0, 0, 0},        {"dev", 0, MS_NODEV, 0, 0},
    {"noexec", MS_NOEXEC, 0, 0, 0},      {"exec", 0, MS_NOEXEC, 0, 0},
    {"sync", MS_SYNCHRONOUS, 0, 0, 0},   {"async", 0, MS_SYNCHRONOUS, 0, 0},
    {"dirsync", MS_DIRSYNC, 0, 0, 0},    {"mand", MS_MANDLOCK, 0, 0, 0},
    {"nomand", 0, MS_MANDLOCK, 0, 0},    {"noatime", MS_NOATIME, 0, 0, 0},
    {"atime", 0, MS_NOATIME, 0, 0},      {"nodiratime", MS_NODIRATIME, 0, 0, 0},
    {"diratime", 0, MS_NODIRATIME, 0, 0}, {"relatime", MS_RELATIME, 0, 0, 0},
    {"norelatime", 0, MS_RELATIME, 0, 0}, {"strictatime", MS_STRICTATIME, 0, 0, 0},
    {"bind", 0, 0, 0, 1},                {"rbind", 0, 0, 0, 2},
    {"private", 0, 0, MS_PRIVATE, 0},    {"rprivate", 0, 0, MS_PRIVATE | MS_REC, 0},
    {"slave", 0, 0, MS_SLAVE, 0},        {"rslave", 0, 0, MS_SLAVE | MS_REC, 0},
    {"shared", 0, 0, MS_SHARED, 0},      {"rshared", 0, 0, MS_SHARED | MS_REC, 0},
    {"unbindable", 0, 0, MS_UNBINDABLE, 0}, {"runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0},
};

static const struct flt_cgroups *g_cgroups;
static int g_new_cgroupns;

void flt_mounts_set_cgroups(const struct flt_cgroups *cg) { g_cgroups = cg; }

int flt_mount_option(const char *opt, unsigned long *flags, unsigned long *propagation, int *bind) {
  for (size_t i = 0; i < sizeof mount_options / sizeof mount_options[0]; i++) {
    if (strcmp(mount_options[i].name, opt) != 0) continue;
    *flags = (*flags | mount_options[i].set) & ~mount_options[i].clear;
    if (mount_options[i].propagation) *propagation = mount_options[i].propagation;
    if (mount_options[i].bind) *bind = mount_options[i].bind;
    return 1;
  }
  return 0;
}

/* resolve_in_root joins path onto root following symlinks inside root, so that a link in the
 * image (/dev/shm -> /run/shm, or -> /etc on the host) can never point outside it. */
static int resolve_in_root(const char *root, const char *path, char *out, size_t out_len, struct flt_error *err) {
  char rest[PATH_MAX], cur[PATH_MAX] = "";
  int links = 0;
  if (strlen(path) >= sizeof rest) return flt_error_set(err, ENAMETOOLONG, "path `%s`: too long", path);
  strcpy(rest, path);
  char *p = rest;
  while (*p != '\0') {
    while (*p == '/') p++;
    if (*p == '\0') break;
    char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char comp[NAME_MAX + 1];
    if (n > NAME_MAX) return flt_error_set(err, ENAMETOOLONG, "path `%s`: component too long", path);
    memcpy(comp, p, n);
    comp[n] = '\0';
    p += n;
    if (strcmp(comp, ".") == 0) continue;
    if (strcmp(comp, "..") == 0) {
      char *slash = strrchr(cur, '/');
      if (slash != NULL) *slash = '\0';
      continue;
    }
    size_t cl = strlen(cur);
    if (cl + 1 + n >= sizeof cur) return flt_error_set(err, ENAMETOOLONG, "path `%s`: too long", path);
    char full[PATH_MAX * 2];
    snprintf(full, sizeof full, "%s%s/%s", root, cur, comp);
    char link[PATH_MAX];
    ssize_t ln = readlink(full, link, sizeof link - 1);
    if (ln < 0) {
      cur[cl] = '/';
      memcpy(cur + cl + 1, comp, n + 1);
      continue;
    }
    if (++links > 40) return flt_error_set(err, ELOOP, "path `%s`: too many symbolic links", path);
    link[ln] = '\0';
    char next[PATH_MAX];
    if ((size_t)snprintf(next, sizeof next, "%s/%s", link, p) >= sizeof next)
      return flt_error_set(err, ENAMETOOLONG, "path `%s`: too long", path);
    strcpy(rest, next);
    p = rest;
    if (link[0] == '/') cur[0] = '\0';
  }
  size_t rl = strlen(root), cl = strlen(cur);
  if (cl == 0) cur[cl++] = '/', cur[cl] = '\0';
  if (rl + cl + 1 > out_len) return flt_error_set(err, ENAMETOOLONG, "path `%s`: too long", path);
  memcpy(out, root, rl);
  memcpy(out + rl, cur, cl + 1);
  return 0;
}

/* mkdir_under creates every missing directory of path (absolute, inside root already resolved). */
static int mkdir_under(const char *rootfs, const char *path, struct flt_error *err) {
  char buf[PATH_MAX];
  size_t skip = strlen(rootfs);
  snprintf(buf, sizeof buf, "%s", path);
  for (char *s = buf + skip + 1;; s++) {
    if (*s != '/' && *s != '\0') continue;
    char c = *s;
    *s = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return flt_error_sys(err, "mkdir `%s`", buf + skip);
    if (c == '\0') break;
    *s = c;
  }
  return 0;
}

static int mount_target(const char *rootfs, const struct flt_mount *m, int is_file, char *target, size_t len,
                        struct flt_error *err) {
  if (resolve_in_root(rootfs, m->destination, target, len, err) < 0) return -1;
  struct stat st;
  if (lstat(target, &st) == 0) return 0;
  if (!is_file) return mkdir_under(rootfs, target, err);
  char *slash = strrchr(target, '/');
  *slash = '\0';
  int r = mkdir_under(rootfs, target, err);
  *slash = '/';
  if (r < 0) return r;
  int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return flt_error_sys(err, "create `%s`", m->destination);
  close(fd);
  return 0;
}

static unsigned long kept_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0) return 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  return f;
}

static int do_mount(const char *rootfs, const struct flt_mount *m, struct flt_error *err) {
  char target[PATH_MAX];
  if (m->bind) {
    struct stat st;
    if (stat(m->source, &st) < 0) return flt_error_sys(err, "mount `%s`: source `%s`", m->destination, m->source);
    if (mount_target(rootfs, m, !S_ISDIR(st.st_mode), target, sizeof target, err) < 0) return -1;
    if (mount(m->source, target, NULL, MS_BIND | (m->bind == 2 ? MS_REC : 0), NULL) < 0)
      return flt_error_sys(err, "mount `%s` (bind `%s`)", m->destination, m->source);
    unsigned long f = m->flags & ~(unsigned long)MS_REC;
    if (f != 0 && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | f | kept_flags(target), NULL) < 0)
      return flt_error_sys(err, "remount `%s`", m->destination);
  } else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
    if (mount_target(rootfs, m, 0, target, sizeof target, err) < 0) return -1;
    static const struct flt_cgroups none;
    if (flt_cgroup_mount(target, m->flags, g_new_cgroupns, g_cgroups ? g_cgroups : &none, err) < 0) return -1;
  } else {
    if (mount_target(rootfs, m, 0, target, sizeof target, err) < 0) return -1;
    const char *data = m->data && m->data[0] ? m->data : NULL;
    if (mount(m->source, target, m->type, m->flags, data) < 0) {
      if (strcmp(m->type, "sysfs") == 0 && errno == EPERM) {
        /* without a network namespace of our own sysfs cannot be mounted: bind the host's, as runc does */
        if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
          return flt_error_sys(err, "mount `%s` (bind /sys)", m->destination);
      } else {
        return flt_error_sys(err, "mount `%s` (%s)", m->destination, m->type);
      }
    }
  }
  if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
    return flt_error_sys(err, "mount `%s`: set propagation", m->destination);
  return 0;
}

static int make_node(const char *rootfs, const char *path, char type, unsigned major, unsigned minor,
                     unsigned mode, unsigned uid, unsigned gid, struct flt_error *err) {
  char target[PATH_MAX];
  struct flt_mount m = {.destination = path};
  if (resolve_in_root(rootfs, path, target, sizeof target, err) < 0) return -1;
  mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
  unlink(target);
  if (mknod(target, fmt | (mode & 07777), makedev(major, minor)) < 0) {
    if (errno != EPERM || fmt == S_IFIFO) return flt_error_sys(err, "mknod `%s`", path);
    /* not allowed to make nodes: bind the host's node instead */
    if (mount_target(rootfs, &m, 1, target, sizeof target, err) < 0) return -1;
    if (mount(path, target, NULL, MS_BIND, NULL) < 0) return flt_error_sys(err, "mount `%s` (bind)", path);
    return 0;
  }
  if (chown(target, uid, gid) < 0) return flt_error_sys(err, "chown `%s`", path);
  return 0;
}

static int setup_dev(const struct flt_spec *spec, const char *rootfs, int dev_is_mount, struct flt_error *err) {
  static const struct { const char *path; unsigned major, minor; } std_nodes[] = {
      {"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
      {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
  };
  static const struct { const char *target, *link; } links[] = {
      {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
      {"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
  };
  if (dev_is_mount) {
    for (size_t i = 0; i < sizeof std_nodes / sizeof std_nodes[0]; i++)
      if (make_node(rootfs, std_nodes[i].path, 'c', std_nodes[i].major, std_nodes[i].minor, 0666, 0, 0, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
      char target[PATH_MAX];
      if (resolve_in_root(rootfs, links[i].link, target, sizeof target, err) < 0) return -1;
      if (symlink(links[i].target, target) < 0 && errno != EEXIST)
        return flt_error_sys(err, "symlink `%s`", links[i].link);
    }
  }
  for (size_t i = 0; i < spec->n_devices; i++) {
    const struct flt_device *d = &spec->devices[i];
    if (make_node(rootfs, d->path, d->type, d->major, d->minor, d->mode, d->uid, d->gid, err) < 0) return -1;
  }
  return 0;
}

int flt_mounts_setup(const struct flt_spec *spec, const char *rootfs, struct flt_error *err) {
  unsigned long prop = spec->rootfs_propagation ? spec->rootfs_propagation : MS_PRIVATE | MS_REC;
  if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0) return flt_error_sys(err, "mount `/`: make private");
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return flt_error_sys(err, "mount rootfs `%s`", rootfs);
  /* Into the bind just made: every path below is relative to it ("./dev/pts"), so the kernel does
   * not walk the rootfs's long host path again for each of the ~100 lookups of the setup. */
  if (chdir(rootfs) < 0) return flt_error_sys(err, "chdir `%s`", rootfs);
  int dev_is_mount = 0;
  g_new_cgroupns = (spec->clone_flags & CLONE_NEWCGROUP) != 0;
  for (size_t i = 0; i < spec->n_mounts; i++) {
    if (do_mount(".", &spec->mounts[i], err) < 0) return -1;
    if (strcmp(spec->mounts[i].destination, "/dev") == 0 && !spec->mounts[i].bind) dev_is_mount = 1;
  }
  if (setup_dev(spec, ".", dev_is_mount, err) < 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") < 0) return flt_error_sys(err, "pivot_root `%s`", rootfs);
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return flt_error_sys(err, "mount old root: make slave");
  if (umount2(".", MNT_DETACH) < 0) return flt_error_sys(err, "unmount old root");
  if (chdir("/") < 0) return flt_error_sys(err, "chdir `/`");
  return 0;
}

static int write_sysctl(const struct flt_sysctl *s, struct flt_error *err) {
  char path[PATH_MAX];
  int n = snprintf(path, sizeof path, "/proc/sys/%s", s->key);
  for (char *c = path + 10; c < path + n; c++)
    if (*c == '.') *c = '/';
  cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return flt_error_sys(err, "sysctl `%s`", s->key);
  size_t len = strlen(s->value);
  if (write(fd, s->value, len) != (ssize_t)len) return flt_error_sys(err, "sysctl `%s`", s->key);
  return 0;
}

int flt_mounts_finish(const struct flt_spec *spec, struct flt_error *err) {
  for (size_t i = 0; i < spec->n_sysctls; i++)
    if (write_sysctl(&spec->sysctls[i], err) < 0) return -1;
  for (size_t i = 0; i < spec->n_readonly_paths; i++) {
    const char *p = spec->readonly_paths[i];
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue;
      return flt_error_sys(err, "mount `%s` (readonly path)", p);
    }
    if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(p), NULL) < 0)
      return flt_error_sys(err, "remount `%s` read-only", p);
  }
  for (size_t i = 0; i < spec->n_masked_paths; i++) {
    const char *p = spec->masked_paths[i];
    struct stat st;
    if (stat(p, &st) < 0) {
      if (errno == ENOENT) continue;
      return flt_error_sys(err, "stat `%s` (masked path)", p);
    }
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL)
                                : mount("/dev/null", p, NULL, MS_BIND, NULL);
    if (r < 0) return flt_error_sys(err, "mount `%s` (masked path)", p);
  }
  if (spec->root_readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags("/"), NULL) < 0)
    return flt_error_sys(err, "remount `/` read-only");
  return 0;
}
