/* container.c: the cloned child: namespaces, cgroup, mounts, identity, then wait for start and execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flt_child.h"
#include "flt_container.h"

static void send_msg(int sock, int type, const struct flt_error *err) {
  struct flt_sync_msg m;
  memset(&m, 0, sizeof m);
  m.type = type;
  if (err != NULL) m.err = *err;
  while (send(sock, &m, sizeof m, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

__attribute__((noreturn)) static void fail(const struct flt_child_args *a, const struct flt_error *err) {
  send_msg(a->sync_sock, FLT_SYNC_ERROR, err);
  _exit(127);
}

static int setup_stdio(const struct flt_child_args *a, struct flt_error *err) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return flt_error_sys(err, "open `/dev/null`");
  int out = a->stdout_fd >= 0 ? a->stdout_fd : null;
  int errfd = a->stderr_fd >= 0 ? a->stderr_fd : null;
  if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0) return flt_error_sys(err, "dup2 stdio");
  if (null > 2) close(null);
  if (a->stdout_fd > 2) close(a->stdout_fd);
  if (a->stderr_fd > 2 && a->stderr_fd != a->stdout_fd) close(a->stderr_fd);
  return 0;
}

static int reset_signals(struct flt_error *err) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) sigaction(s, &sa, NULL); /* EINVAL for SIGKILL/SIGSTOP is fine */
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) return flt_error_sys(err, "sigprocmask");
  return 0;
}

static int join_cgroups(const struct flt_child_args *a, struct flt_error *err) {
  /* "0" moves the writer itself, whatever its pid looks like from inside the new pid namespace.
   * On a v1 hierarchy it goes to `tasks`: this process has one thread, and moving one thread
   * spares the kernel's global threadgroup lock, whose every writer waits out an RCU grace period
   * (~9 ms per container here); v2 has only cgroup.procs. */
  for (int i = 0; i < a->cgroups.n_dirs; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/tasks", a->cgroups.dirs[i]);
    cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      snprintf(path, sizeof path, "%s/cgroup.procs", a->cgroups.dirs[i]);
      fd = open(path, O_WRONLY | O_CLOEXEC);
    }
    if (fd < 0) return flt_error_sys(err, "open `%s`", path);
    if (write(fd, "0", 1) != 1) return flt_error_sys(err, "join cgroup `%s`", a->cgroups.dirs[i]);
  }
  return 0;
}

static int write_oom_score_adj(int value, struct flt_error *err) {
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", value);
  cleanup_fd int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, buf, (size_t)n) != n) return flt_error_sys(err, "write oom_score_adj %d", value);
  return 0;
}

/* wait_for_start blocks on opening exec.fifo for writing until `start` opens it for reading. */
static int wait_for_start(const struct flt_child_args *a, int state_dirfd, struct flt_error *err) {
  /* reopen the O_PATH fd through /proc: works after pivot_root and for a non-root user; without
   * /proc in the container, fall back to the state directory's fd */
  char path[64];
  int fd;
  snprintf(path, sizeof path, "/proc/self/fd/%d", a->fifo_fd);
  do {
    fd = open(path, O_WRONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ENOENT) {
    do {
      fd = openat(state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
  }
  if (fd < 0) return flt_error_sys(err, "open `exec.fifo`");
  if (write(fd, "0", 1) != 1) {
    int r = flt_error_sys(err, "write `exec.fifo`");
    close(fd);
    return r;
  }
  close(fd);
  return 0;
}

/* with_home returns env with HOME added from the container's /etc/passwd entry for uid (or "/")
 * when env sets none, as runc and crun do. */
static char **with_home(char **env, unsigned uid) {
  size_t n = 0;
  for (; env[n] != NULL; n++)
    if (strncmp(env[n], "HOME=", 5) == 0) return env;
  char home[PATH_MAX] = "/";
  FILE *f = fopen("/etc/passwd", "re");
  if (f != NULL) {
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
      char *field[7] = {0};
      char *p = line;
      int k = 0;
      for (; k < 7 && p != NULL; k++) {
        field[k] = p;
        p = strchr(p, ':');
        if (p != NULL) *p++ = '\0';
      }
      if (k < 6 || field[2] == NULL || field[5] == NULL || field[2][0] == '\0') continue;
      char *end;
      unsigned long u = strtoul(field[2], &end, 10);
      if (*end != '\0' || u != uid) continue;
      field[5][strcspn(field[5], "\n")] = '\0';
      if (field[5][0] != '\0') snprintf(home, sizeof home, "%s", field[5]);
      break;
    }
    fclose(f);
  }
  char **out = malloc((n + 2) * sizeof(char *));
  char *var = malloc(strlen(home) + 6);
  if (out == NULL || var == NULL) return env;
  memcpy(out, env, n * sizeof(char *));
  snprintf(var, strlen(home) + 6, "HOME=%s", home);
  out[n] = var;
  out[n + 1] = NULL;
  return out;
}

void flt_child_run(const struct flt_child_args *a) {
  const struct flt_spec *s = a->spec;
  struct flt_error err;
  char exe[PATH_MAX];
  flt_error_clear(&err);
  for (size_t i = 0; i < sizeof a->close_fds / sizeof a->close_fds[0]; i++)
    if (a->close_fds[i] >= 0) close(a->close_fds[i]);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  umask(0);
  if (reset_signals(&err) < 0 || setup_stdio(a, &err) < 0 || join_cgroups(a, &err) < 0) fail(a, &err);
  if (flt_namespaces_join(s, 0, &err) < 0) fail(a, &err);
  if (s->hostname != NULL && s->hostname[0] != '\0' && sethostname(s->hostname, strlen(s->hostname)) < 0) {
    flt_error_sys(&err, "sethostname `%s`", s->hostname);
    fail(a, &err);
  }
  flt_mounts_set_cgroups(&a->cgroups);
  if (flt_mounts_setup(s, a->rootfs, &err) < 0 || flt_mounts_finish(s, &err) < 0) fail(a, &err);
  if (flt_rlimits_apply(s->rlimits, s->n_rlimits, &err) < 0) fail(a, &err);
  if (s->has_oom_score_adj && write_oom_score_adj(s->oom_score_adj, &err) < 0) fail(a, &err);
  char **env = with_home(s->env, s->uid);
  if (flt_exec_resolve(s->args[0], env, exe, sizeof exe, &err) < 0) fail(a, &err);
  if (chdir(s->cwd) < 0) {
    flt_error_sys(&err, "chdir to cwd (\"%s\") set in config.json failed", s->cwd);
    fail(a, &err);
  }
  umask(s->umask);
  int state_dirfd = a->state_dirfd;
  if (flt_caps_apply(s->caps, s->uid, s->gid, s->additional_gids, s->n_additional_gids, &err) < 0) fail(a, &err);
  if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    flt_error_sys(&err, "prctl(PR_SET_NO_NEW_PRIVS)");
    fail(a, &err);
  }
  send_msg(a->sync_sock, FLT_SYNC_READY, NULL);
  if (!a->start_now && wait_for_start(a, state_dirfd, &err) < 0) fail(a, &err);
  send_msg(a->sync_sock, FLT_SYNC_STARTING, NULL);
  if (state_dirfd >= 0) close(state_dirfd);
  if (a->fifo_fd >= 0) close(a->fifo_fd);
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  execve(exe, s->args, env);
  flt_error_sys(&err, "exec: \"%s\"", s->args[0]);
  fail(a, &err);
}
