/* lib_fdread.c: waiting for a few bytes from a pipe or FIFO on a worker thread (the shim's sync
 * line, a container's exec.fifo), so the runtime needs no stream object per container. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "flotilla.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int flt_read_fd(int fd, char *buf, int len, int timeout_ms, int until_newline, struct flt_error *err) {
  if (fd < 0 || len <= 0) return flt_error_set(err, EINVAL, "read fd %d: bad arguments", fd);
  long long deadline = now_ms() + timeout_ms;
  int got = 0;
  while (got < len) {
    long long left = deadline - now_ms();
    if (left <= 0) return flt_error_set(err, ETIMEDOUT, "read fd %d: nothing more within %d ms", fd, timeout_ms);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, (int)left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return flt_error_sys(err, "poll fd %d", fd);
    if (n == 0) continue; /* the deadline check above reports it */
    ssize_t r = read(fd, buf + got, (size_t)(len - got));
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r < 0) return flt_error_sys(err, "read fd %d", fd);
    if (r == 0) break; /* end of file: every writer is gone */
    for (ssize_t i = 0; i < r; i++)
      if (until_newline && buf[got + i] == '\n') return got + (int)r;
    got += (int)r;
  }
  return got;
}
