/* flt_shim.h: the shim's own pieces: CRI logs, the exit file, timestamps, the two verbs. */
#ifndef FLT_SHIM_H
#define FLT_SHIM_H

#include <stddef.h>
#include <time.h>

#include "flt_error.h"

#define FLT_LOG_LINE_MAX (16 * 1024)
#define FLT_TIME_LEN 96

/* flt_log_stream buffers one container stream (stdout or stderr) into CRI log lines. */
struct flt_log_stream {
  int fd;           /* read end of the container's pipe, -1 once at EOF */
  const char *name; /* "stdout" or "stderr" */
  size_t len;
  char buf[FLT_LOG_LINE_MAX];
};

/* flt_time_format writes ts as RFC 3339 with nanoseconds ("2026-01-01T00:00:00.000000000Z"). */
void flt_time_format(const struct timespec *ts, char out[FLT_TIME_LEN]);

/* flt_log_read reads what is available from s->fd and appends complete lines (F) or 16 KiB
 * chunks (P) to log_fd; returns 0 after data, 1 at EOF (a last partial line flushed), 2 when
 * nothing is available now, negative on a write error. */
int flt_log_read(struct flt_log_stream *s, int log_fd, struct flt_error *err);

/* flt_log_flush writes a buffered partial line as a full (F) line. */
int flt_log_flush(struct flt_log_stream *s, int log_fd, struct flt_error *err);

/* flt_exit_file_write writes <state_dir>/exit.json atomically (tmp + rename). */
int flt_exit_file_write(const char *state_dir, int exit_code, int signal, const struct timespec *started,
                        const struct timespec *finished, struct flt_error *err);

/* flt_write_file_atomic writes data to path through path.tmp and rename. */
int flt_write_file_atomic(const char *path, const char *data, size_t len, struct flt_error *err);

/* flt_shim_create is `flotilla-shim create ...`; returns the process exit status. */
int flt_shim_create(int argc, char **argv);

/* flt_shim_exec is `flotilla-shim exec ...`; returns the process exit status. */
int flt_shim_exec(int argc, char **argv);

#endif
