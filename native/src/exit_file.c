/* exit_file.c: the container's exit status as <state-dir>/exit.json, written atomically. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "flt_shim.h"

int flt_write_file_atomic(const char *path, const char *data, size_t len, struct flt_error *err) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  cleanup_fd int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return flt_error_sys(err, "open `%s`", tmp);
  if (write(fd, data, len) != (ssize_t)len) return flt_error_sys(err, "write `%s`", tmp);
  if (rename(tmp, path) < 0) return flt_error_sys(err, "rename `%s`", tmp);
  return 0;
}

int flt_exit_file_write(const char *state_dir, int exit_code, int signal, const struct timespec *started,
                        const struct timespec *finished, struct flt_error *err) {
  char path[PATH_MAX], json[512], sig[16], st[FLT_TIME_LEN], fin[FLT_TIME_LEN], started_field[FLT_TIME_LEN + 32] = "";
  snprintf(path, sizeof path, "%s/exit.json", state_dir);
  if (signal > 0) snprintf(sig, sizeof sig, "%d", signal);
  else snprintf(sig, sizeof sig, "null");
  if (started != NULL) {
    flt_time_format(started, st);
    snprintf(started_field, sizeof started_field, ",\"startedAt\":\"%s\"", st);
  }
  flt_time_format(finished, fin);
  int n = snprintf(json, sizeof json, "{\"exitCode\":%d,\"signal\":%s%s,\"finishedAt\":\"%s\"}\n", exit_code, sig,
                   started_field, fin);
  return flt_write_file_atomic(path, json, (size_t)n, err);
}
