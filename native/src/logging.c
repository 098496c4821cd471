/* logging.c: container stdout/stderr to a log file in the CRI format. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "flt_shim.h"

/* civil_from_days converts days since 1970-01-01 to a date (Howard Hinnant's algorithm), so
 * that no time-zone code of libc is pulled in. */
static void civil_from_days(long z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long yy = (long)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

void flt_time_format(const struct timespec *ts, char out[FLT_TIME_LEN]) {
  long days = ts->tv_sec / 86400;
  long secs = ts->tv_sec % 86400;
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(out, FLT_TIME_LEN, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%09ldZ", y, m, d, secs / 3600, (secs / 60) % 60,
           secs % 60, ts->tv_nsec);
}

static int write_all_v(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t w = writev(fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    while (n > 0 && (size_t)w >= iov->iov_len) {
      w -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + w;
      iov->iov_len -= (size_t)w;
    }
  }
  return 0;
}

static int emit(struct flt_log_stream *s, int log_fd, const char *ts, char tag, const char *text, size_t len) {
  char head[64];
  int hl = snprintf(head, sizeof head, "%s %s %c ", ts, s->name, tag);
  struct iovec iov[3] = {{head, (size_t)hl}, {(void *)text, len}, {"\n", 1}};
  return log_fd < 0 ? 0 : write_all_v(log_fd, iov, 3);
}

int flt_log_read(struct flt_log_stream *s, int log_fd, struct flt_error *err) {
  ssize_t n;
  do {
    n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return 2;
  struct timespec now;
  char ts[FLT_TIME_LEN];
  clock_gettime(CLOCK_REALTIME, &now);
  flt_time_format(&now, ts);
  if (n <= 0) {
    if (s->len > 0 && emit(s, log_fd, ts, 'F', s->buf, s->len) < 0) return flt_error_sys(err, "write log");
    s->len = 0;
    return 1;
  }
  s->len += (size_t)n;
  size_t start = 0;
  for (;;) {
    char *nl = memchr(s->buf + start, '\n', s->len - start);
    if (nl == NULL) break;
    size_t line = (size_t)(nl - (s->buf + start));
    if (emit(s, log_fd, ts, 'F', s->buf + start, line) < 0) return flt_error_sys(err, "write log");
    start += line + 1;
  }
  if (start == 0 && s->len == sizeof s->buf) {
    if (emit(s, log_fd, ts, 'P', s->buf, s->len) < 0) return flt_error_sys(err, "write log");
    start = s->len;
  }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
  return 0;
}

int flt_log_flush(struct flt_log_stream *s, int log_fd, struct flt_error *err) {
  struct timespec now;
  char ts[FLT_TIME_LEN];
  if (s->len == 0) return 0;
  clock_gettime(CLOCK_REALTIME, &now);
  flt_time_format(&now, ts);
  int r = emit(s, log_fd, ts, 'F', s->buf, s->len);
  s->len = 0;
  return r < 0 ? flt_error_sys(err, "write log") : 0;
}
