/* flt_error.h: the error out-parameter every fallible native function takes last. */
#ifndef FLT_ERROR_H
#define FLT_ERROR_H

#include <stdlib.h>
#include <unistd.h>

#define FLT_ERROR_MSG_LEN 1020

/* flt_error carries errno and a message made where the syscall failed; callers pass it up. */
struct flt_error {
  int errno_value;
  char msg[FLT_ERROR_MSG_LEN];
};

/* flt_error_set fills err with errno_value and a printf-style message; returns -1 (or -errno). */
int flt_error_set(struct flt_error *err, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* flt_error_sys is flt_error_set with ": <strerror(errno)>" appended, errno taken from errno. */
int flt_error_sys(struct flt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* flt_error_clear resets err to "no error". */
void flt_error_clear(struct flt_error *err);

static inline void flt_cleanup_fd(int *fd) {
  if (*fd >= 0) close(*fd);
}
static inline void flt_cleanup_free(void *p) { free(*(void **)p); }

#define cleanup_fd __attribute__((cleanup(flt_cleanup_fd)))
#define cleanup_free __attribute__((cleanup(flt_cleanup_free)))

#endif
