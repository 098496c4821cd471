/* error.c: filling struct flt_error where a syscall fails. */
#include "flt_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int flt_error_set(struct flt_error *err, int errno_value, const char *fmt, ...) {
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->errno_value = errno_value;
  }
  return errno_value > 0 ? -errno_value : -1;
}

int flt_error_sys(struct flt_error *err, const char *fmt, ...) {
  int saved = errno;
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
      snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(saved));
    err->errno_value = saved;
  }
  errno = saved;
  return saved > 0 ? -saved : -1;
}

void flt_error_clear(struct flt_error *err) {
  if (err != NULL) {
    err->errno_value = 0;
    err->msg[0] = '\0';
  }
}
