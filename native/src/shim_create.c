/* shim_create.c: `flotilla-shim create`: detach, clone the container, report on the sync fd,
 * then stay its parent: forward signals, copy its output to the CRI log, write exit.json. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flt_child.h"
#include "flt_container.h"
#include "flt_shim.h"

#define MAX_CGROUPS 16
/* MAX_HIERARCHIES is above the v1 controllers Linux has (13) plus named hierarchies (name=systemd). */
#define MAX_HIERARCHIES 32

struct create_opts {
  const char *id;
  const char *bundle;
  const char *state_dir;
  const char *log;
  char *cgroups[MAX_CGROUPS];
  int n_cgroups;
  char *hierarchies[MAX_HIERARCHIES];
  int n_hierarchies;
  int start;
  int sync_fd;
};

static volatile sig_atomic_t g_container_pid;
static int g_wake_w = -1;

static void on_signal(int sig) {
  int saved = errno;
  if (sig != SIGCHLD && g_container_pid > 0) kill(g_container_pid, sig);
  if (g_wake_w >= 0 && write(g_wake_w, "x", 1) < 0) {
    /* the pipe is full: a wake-up is already pending */
  }
  errno = saved;
}

static void json_escape(const char *in, char *out, size_t len) {
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && o + 7 < len; p++) {
    if (*p == '"' || *p == '\\') {
      out[o++] = '\\';
      out[o++] = (char)*p;
    } else if (*p < 0x20) {
      o += (size_t)snprintf(out + o, len - o, "\\u%04x", *p);
    } else {
      out[o++] = (char)*p;
    }
  }
  out[o] = '\0';
}

/* report_error writes {"error":"…","errno":N} on the sync fd (or stderr when there is none). */
static int report_error(int sync_fd, const struct flt_error *err) {
  char msg[FLT_ERROR_MSG_LEN * 6 + 1], line[sizeof msg + 64];
  json_escape(err->msg, msg, sizeof msg);
  int n = snprintf(line, sizeof line, "{\"error\":\"%s\",\"errno\":%d}\n", msg, err->errno_value);
  if (sync_fd >= 0) {
    if (write(sync_fd, line, (size_t)n) < 0) { /* caller gone: nobody left to tell */ }
    close(sync_fd);
  } else if (write(2, err->msg, strlen(err->msg)) < 0 || write(2, "\n", 1) < 0) {
  }
  return 1;
}

static int parse_opts(int argc, char **argv, struct create_opts *o, struct flt_error *err) {
  memset(o, 0, sizeof *o);
  o->sync_fd = -1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--start") == 0) {
      o->start = 1;
      continue;
    }
    if (v == NULL) return flt_error_set(err, EINVAL, "create: %s needs a value", a);
    i++;
    if (strcmp(a, "--id") == 0) o->id = v;
    else if (strcmp(a, "--bundle") == 0) o->bundle = v;
    else if (strcmp(a, "--state-dir") == 0) o->state_dir = v;
    else if (strcmp(a, "--log") == 0) o->log = v;
    else if (strcmp(a, "--sync-fd") == 0) o->sync_fd = atoi(v);
    else if (strcmp(a, "--cgroup") == 0) {
      if (o->n_cgroups == MAX_CGROUPS) return flt_error_set(err, E2BIG, "create: more than %d --cgroup", MAX_CGROUPS);
      o->cgroups[o->n_cgroups++] = (char *)v;
    } else if (strcmp(a, "--cgroup-hierarchy") == 0) {
      const char *colon = strchr(v, ':');
      if (colon == NULL || colon == v || colon[1] != '/')
        return flt_error_set(err, EINVAL, "create: --cgroup-hierarchy `%s`: want CONTROLLERS:MOUNTPOINT (cpu,cpuacct:/sys/fs/cgroup/cpu,cpuacct)", v);
      if (o->n_hierarchies == MAX_HIERARCHIES)
        return flt_error_set(err, E2BIG, "create: more than %d --cgroup-hierarchy", MAX_HIERARCHIES);
      o->hierarchies[o->n_hierarchies++] = (char *)v;
    } else {
      return flt_error_set(err, EINVAL, "create: unknown option %s", a);
    }
  }
  if (o->id == NULL || o->bundle == NULL || o->state_dir == NULL)
    return flt_error_set(err, EINVAL, "create: --id, --bundle and --state-dir are required");
  return 0;
}

/* detach leaves the caller: fork (the caller's child exits at once), new session, subreaper. */
static int detach(struct flt_error *err) {
  pid_t p = fork();
  if (p < 0) return flt_error_sys(err, "fork");
  if (p > 0) _exit(0);
  if (setsid() < 0) return flt_error_sys(err, "setsid");
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return flt_error_sys(err, "prctl(PR_SET_CHILD_SUBREAPER)");
  int null = open("/dev/null", O_RDWR);
  if (null < 0) return flt_error_sys(err, "open `/dev/null`");
  for (int fd = 0; fd < 3; fd++) dup2(null, fd);
  if (null > 2) close(null);
  return 0;
}

static int write_pid_file(const char *state_dir, struct flt_error *err) {
  char path[PATH_MAX], buf[32];
  if (mkdir(state_dir, 0711) < 0 && errno != EEXIST) return flt_error_sys(err, "mkdir `%s`", state_dir);
  snprintf(path, sizeof path, "%s/shim.pid", state_dir);
  int n = snprintf(buf, sizeof buf, "%d\n", getpid());
  return flt_write_file_atomic(path, buf, (size_t)n, err);
}

static int install_signals(struct flt_error *err) {
  static const int forwarded[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    if (sigaction(forwarded[i], &sa, NULL) < 0) return flt_error_sys(err, "sigaction");
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

struct running {
  pid_t pid;
  int sock;
  int wake_r;
  int log_fd;
  struct flt_log_stream *out;
  struct flt_log_stream *err;
  int exited;
  int status;
  int starting; /* the child passed start and is about to execve */
  int started;
  struct timespec started_at;
  struct timespec finished_at;
};

static struct flt_log_stream g_out = {.fd = -1, .name = "stdout"};
static struct flt_log_stream g_err = {.fd = -1, .name = "stderr"};

/* wait_ready waits for the child's READY or error; 0 when ready. */
static int wait_ready(struct running *r, struct flt_error *err) {
  struct flt_sync_msg m;
  ssize_t n;
  do {
    n = recv(r->sock, &m, sizeof m, 0);
  } while (n < 0 && errno == EINTR);
  if (n == (ssize_t)sizeof m && m.type == FLT_SYNC_READY) return 0;
  if (n == (ssize_t)sizeof m && m.type == FLT_SYNC_ERROR) {
    *err = m.err;
    err->msg[sizeof err->msg - 1] = '\0';
    return -1;
  }
  if (n < 0) return flt_error_sys(err, "read from container init");
  return flt_error_set(err, EPIPE, "container init exited during setup");
}

static void reap(struct running *r) {
  int st;
  pid_t w;
  while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
    if (w == r->pid && !r->exited) {
      r->exited = 1;
      r->status = st;
      clock_gettime(CLOCK_REALTIME, &r->finished_at);
    }
  }
}

/* on_sync_readable handles one message from the child: 0 after a message, 1 at end of file,
 * 2 when nothing is there now. */
static int on_sync_readable(struct running *r) {
  struct flt_sync_msg m;
  ssize_t n = recv(r->sock, &m, sizeof m, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 2;
  if (n == (ssize_t)sizeof m && m.type == FLT_SYNC_STARTING) {
    r->starting = 1;
    return 0;
  }
  if (n == (ssize_t)sizeof m && m.type == FLT_SYNC_ERROR) {
    /* exec failed after start: the message goes to the container's log, the exit code says 127 */
    struct timespec now;
    char ts[FLT_TIME_LEN], line[FLT_ERROR_MSG_LEN + 64];
    clock_gettime(CLOCK_REALTIME, &now);
    flt_time_format(&now, ts);
    m.err.msg[sizeof m.err.msg - 1] = '\0';
    int len = snprintf(line, sizeof line, "%s stderr F flotilla-shim: %s\n", ts, m.err.msg);
    if (r->log_fd >= 0 && write(r->log_fd, line, (size_t)len) < 0) {
    }
    r->starting = 0;
    return 0;
  }
  if (n > 0) return 0;
  /* end of file: execve closed the child's end, or the child died; only the first is a start */
  if (r->starting && !r->started) {
    r->started = 1;
    clock_gettime(CLOCK_REALTIME, &r->started_at);
  }
  close(r->sock);
  r->sock = -1;
  return 1;
}

static void supervise(struct running *r) {
  struct flt_error err;
  while (!r->exited) {
    struct pollfd p[4] = {
        {.fd = r->sock, .events = POLLIN}, {.fd = r->out->fd, .events = POLLIN},
        {.fd = r->err->fd, .events = POLLIN}, {.fd = r->wake_r, .events = POLLIN},
    };
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents) on_sync_readable(r);
    for (int i = 1; i < 3; i++) {
      struct flt_log_stream *s = i == 1 ? r->out : r->err;
      if (p[i].revents && flt_log_read(s, r->log_fd, &err) == 1) {
        close(s->fd);
        s->fd = -1;
      }
    }
    if (p[3].revents) {
      char buf[64];
      while (read(r->wake_r, buf, sizeof buf) > 0) {
      }
      reap(r);
    }
  }
  if (!r->exited) {
    /* poll itself failed: nothing left to do but wait for the container */
    while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR) {
    }
    r->exited = 1;
    clock_gettime(CLOCK_REALTIME, &r->finished_at);
  }
  while (r->sock >= 0 && on_sync_readable(r) == 0) {
  }
  /* drain what the container wrote before it exited; descendants that outlive it are not waited for */
  for (int i = 0; i < 2; i++) {
    struct flt_log_stream *s = i == 0 ? r->out : r->err;
    while (s->fd >= 0) {
      int rc = flt_log_read(s, r->log_fd, &err);
      if (rc == 0) continue;
      if (rc == 2 && s->len > 0) flt_log_flush(s, r->log_fd, &err);
      close(s->fd);
      s->fd = -1;
    }
  }
}

static int make_pipe(int fds[2], struct flt_error *err) {
  if (pipe2(fds, O_CLOEXEC) < 0) return flt_error_sys(err, "pipe");
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  return 0;
}

int flt_shim_create(int argc, char **argv) {
  struct create_opts o;
  struct flt_error err;
  struct flt_arena arena = {0};
  struct flt_spec spec;
  char bundle[PATH_MAX], rootfs[PATH_MAX], path[PATH_MAX * 2];
  int sock[2], wake[2], outp[2] = {-1, -1}, errp[2] = {-1, -1};
  int fifo_fd = -1, log_fd = -1, state_dirfd;
  flt_error_clear(&err);
  if (parse_opts(argc, argv, &o, &err) < 0) return report_error(o.sync_fd, &err);
  if (o.sync_fd >= 0 && o.sync_fd < 3) {
    flt_error_set(&err, EINVAL, "create: --sync-fd must be 3 or more, not %d", o.sync_fd);
    return report_error(-1, &err);
  }
  if (o.sync_fd >= 0 && fcntl(o.sync_fd, F_SETFD, FD_CLOEXEC) < 0) {
    flt_error_sys(&err, "--sync-fd %d", o.sync_fd);
    return report_error(-1, &err);
  }
  /* whatever else the caller leaked must not reach the container */
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (detach(&err) < 0 || write_pid_file(o.state_dir, &err) < 0) return report_error(o.sync_fd, &err);
  if (realpath(o.bundle, bundle) == NULL) {
    flt_error_sys(&err, "bundle `%s`", o.bundle);
    return report_error(o.sync_fd, &err);
  }
  if (flt_spec_load(bundle, &arena, &spec, &err) < 0) return report_error(o.sync_fd, &err);
  if (spec.root_path[0] == '/') snprintf(path, sizeof path, "%s", spec.root_path);
  else snprintf(path, sizeof path, "%s/%s", bundle, spec.root_path);
  if (realpath(path, rootfs) == NULL) {
    flt_error_sys(&err, "root.path `%s`", path);
    return report_error(o.sync_fd, &err);
  }
  for (size_t i = 0; i < spec.n_mounts; i++) {
    /* bind sources may be relative to the bundle (runtime-spec) */
    struct flt_mount *m = &spec.mounts[i];
    if (!m->bind || m->source[0] == '/') continue;
    snprintf(path, sizeof path, "%s/%s", bundle, m->source);
    m->source = flt_arena_strdup(&arena, path);
    if (m->source == NULL) {
      flt_error_set(&err, ENOMEM, "out of memory");
      return report_error(o.sync_fd, &err);
    }
  }
  if (!(spec.clone_flags & CLONE_NEWNS)) {
    flt_error_set(&err, EINVAL, "config.json: linux.namespaces: a new mount namespace is required");
    return report_error(o.sync_fd, &err);
  }
  state_dirfd = open(o.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (state_dirfd < 0) {
    flt_error_sys(&err, "open `%s`", o.state_dir);
    return report_error(o.sync_fd, &err);
  }
  if (!o.start) {
    snprintf(path, sizeof path, "%s/exec.fifo", o.state_dir);
    unlink(path);
    /* 0622 (umask aside): a container running as another user must be able to open it for writing */
    if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0 || (fifo_fd = open(path, O_PATH | O_CLOEXEC)) < 0) {
      flt_error_sys(&err, "mkfifo `%s`", path);
      return report_error(o.sync_fd, &err);
    }
  }
  if (o.log != NULL) {
    log_fd = open(o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) {
      flt_error_sys(&err, "open log `%s`", o.log);
      return report_error(o.sync_fd, &err);
    }
    if (make_pipe(outp, &err) < 0 || make_pipe(errp, &err) < 0) return report_error(o.sync_fd, &err);
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0 || pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
    flt_error_sys(&err, "socketpair");
    return report_error(o.sync_fd, &err);
  }
  g_wake_w = wake[1];
  if (install_signals(&err) < 0 || flt_namespaces_join(&spec, 1, &err) < 0) return report_error(o.sync_fd, &err);

  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(spec.clone_flags | SIGCHLD), NULL, NULL, NULL, NULL);
  if (pid < 0) {
    flt_error_sys(&err, "clone");
    return report_error(o.sync_fd, &err);
  }
  if (pid == 0) {
    struct flt_child_args a = {
        .spec = &spec, .rootfs = rootfs, .sync_sock = sock[1], .state_dirfd = state_dirfd, .fifo_fd = fifo_fd,
        .stdout_fd = outp[1], .stderr_fd = errp[1],
        .cgroups = {.dirs = o.cgroups, .n_dirs = o.n_cgroups, .hierarchies = o.hierarchies, .n_hierarchies = o.n_hierarchies},
        .close_fds = {o.sync_fd, sock[0], wake[0], wake[1], outp[0], errp[0], log_fd, -1}, .start_now = o.start,
    };
    flt_child_run(&a);
  }
  g_container_pid = pid;
  close(sock[1]);
  close(state_dirfd);
  if (fifo_fd >= 0) close(fifo_fd);
  if (outp[1] >= 0) close(outp[1]);
  if (errp[1] >= 0) close(errp[1]);
  flt_arena_free(&arena); /* the spec lives on in the child only: give its pages back */

  struct running r = {.pid = pid, .sock = sock[0], .wake_r = wake[0], .log_fd = log_fd, .out = &g_out, .err = &g_err};
  g_out.fd = outp[0];
  g_err.fd = errp[0];
  if (wait_ready(&r, &err) < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (!o.start) {
      snprintf(path, sizeof path, "%s/exec.fifo", o.state_dir);
      unlink(path);
    }
    snprintf(path, sizeof path, "%s/shim.pid", o.state_dir);
    unlink(path);
    return report_error(o.sync_fd, &err);
  }
  if (o.sync_fd >= 0) {
    char line[64];
    int n = snprintf(line, sizeof line, "{\"pid\":%d,\"shimPid\":%d}\n", pid, getpid());
    if (write(o.sync_fd, line, (size_t)n) < 0) { /* caller gone: the container runs on */ }
    close(o.sync_fd);
  }
  supervise(&r);
  int code = 255, sig = 0;
  if (WIFEXITED(r.status)) code = WEXITSTATUS(r.status);
  else if (WIFSIGNALED(r.status)) {
    sig = WTERMSIG(r.status);
    code = 128 + sig;
  }
  if (log_fd >= 0) close(log_fd);
  if (!o.start) {
    snprintf(path, sizeof path, "%s/exec.fifo", o.state_dir);
    unlink(path);
  }
  flt_exit_file_write(o.state_dir, code, sig, r.started ? &r.started_at : NULL, &r.finished_at, &err);
  return 0;
}
