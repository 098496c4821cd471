/* lib_fsflags.c: inode flags (FS_IOC_SETFLAGS, as chattr sets them) on the runtime's own directories. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "flotilla.h"

int flt_set_topdir(const char *dir, struct flt_error *err) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return flt_error_sys(err, "open `%s`", dir);
  int flags = 0;
  int rc = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
    rc = flt_error_sys(err, "read the inode flags of `%s`", dir);
  } else if (!(flags & FS_TOPDIR_FL)) {
    flags |= FS_TOPDIR_FL;
    if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) rc = flt_error_sys(err, "set the top-directory flag on `%s`", dir);
  }
  close(fd);
  return rc;
}
