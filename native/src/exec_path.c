/* exec_path.c: finding process.args[0] inside the container before it is started. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flt_container.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int flt_exec_resolve(const char *args0, char *const *env, char *out, size_t out_len, struct flt_error *err) {
  if (strchr(args0, '/') != NULL) {
    struct stat st;
    if (stat(args0, &st) < 0) {
      int e = errno;
      return flt_error_set(err, e, "exec: \"%s\": %s", args0, e == ENOENT ? "no such file or directory" : strerror(e));
    }
    if (S_ISDIR(st.st_mode)) return flt_error_set(err, EACCES, "exec: \"%s\": is a directory", args0);
    if (access(args0, X_OK) < 0) return flt_error_set(err, EACCES, "exec: \"%s\": permission denied", args0);
    if ((size_t)snprintf(out, out_len, "%s", args0) >= out_len) return flt_error_set(err, ENAMETOOLONG, "exec: \"%s\": name too long", args0);
    return 0;
  }
  const char *path = DEFAULT_PATH;
  for (char *const *e = env; e != NULL && *e != NULL; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  for (const char *p = path;;) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == 0) {
      if ((size_t)snprintf(out, out_len, "./%s", args0) < out_len && executable(out)) return 0;
    } else if ((size_t)snprintf(out, out_len, "%.*s/%s", (int)n, p, args0) < out_len && executable(out)) {
      return 0;
    }
    if (end == NULL) break;
    p = end + 1;
  }
  return flt_error_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", args0);
}
