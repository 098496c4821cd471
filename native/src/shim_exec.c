/* shim_exec.c: `flotilla-shim exec`: run a command inside a running container's namespaces and
 * cgroup with the container's identity, capabilities and no_new_privs, and exit with its code. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "flt_container.h"
#include "flt_shim.h"

#define MAX_ENV 512
#define MAX_GROUPS 64

struct exec_opts {
  int pid;
  const char *cwd;
  char *env[MAX_ENV];
  int n_env;
  char *cgroups[16];
  int n_cgroups;
  char **cmd;
};

/* identity is what the container's init runs as, read from /proc/PID/status. */
struct identity {
  uint64_t caps[FLT_CAP_SETS];
  unsigned uid;
  unsigned gid;
  gid_t groups[MAX_GROUPS];
  size_t n_groups;
  int no_new_privs;
};

static volatile sig_atomic_t g_child;

static void forward(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

static int die(const struct flt_error *err, int code) {
  fprintf(stderr, "flotilla-shim exec: %s\n", err->msg);
  return code;
}

static int parse_opts(int argc, char **argv, struct exec_opts *o, struct flt_error *err) {
  memset(o, 0, sizeof *o);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      o->cmd = argv + i + 1;
      break;
    }
    if (i + 1 >= argc) return flt_error_set(err, EINVAL, "%s needs a value", a);
    char *v = argv[++i];
    if (strcmp(a, "--pid") == 0) o->pid = atoi(v);
    else if (strcmp(a, "--cwd") == 0) o->cwd = v;
    else if (strcmp(a, "--tty") == 0) {
      if (strcmp(v, "no") != 0) return flt_error_set(err, ENOTSUP, "--tty %s: only `no` is supported", v);
    } else if (strcmp(a, "--env") == 0) {
      if (o->n_env == MAX_ENV) return flt_error_set(err, E2BIG, "more than %d --env", MAX_ENV);
      o->env[o->n_env++] = v;
    } else if (strcmp(a, "--cgroup") == 0) {
      if (o->n_cgroups == 16) return flt_error_set(err, E2BIG, "more than 16 --cgroup");
      o->cgroups[o->n_cgroups++] = v;
    } else {
      return flt_error_set(err, EINVAL, "unknown option %s", a);
    }
  }
  if (o->pid <= 0) return flt_error_set(err, EINVAL, "--pid is required");
  if (o->cmd == NULL || o->cmd[0] == NULL) return flt_error_set(err, EINVAL, "a command is required after --");
  return 0;
}

static int read_identity(int pid, struct identity *id, struct flt_error *err) {
  static const char *const cap_keys[FLT_CAP_SETS] = {"CapBnd:", "CapEff:", "CapPrm:", "CapInh:", "CapAmb:"};
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "re");
  if (f == NULL) return flt_error_sys(err, "container process %d", pid);
  memset(id, 0, sizeof *id);
  while (fgets(line, sizeof line, f) != NULL) {
    for (int k = 0; k < FLT_CAP_SETS; k++)
      if (strncmp(line, cap_keys[k], 7) == 0) id->caps[k] = strtoull(line + 7, NULL, 16);
    if (strncmp(line, "Uid:", 4) == 0) id->uid = (unsigned)strtoul(line + 4, NULL, 10);
    if (strncmp(line, "Gid:", 4) == 0) id->gid = (unsigned)strtoul(line + 4, NULL, 10);
    if (strncmp(line, "NoNewPrivs:", 11) == 0) id->no_new_privs = atoi(line + 11);
    if (strncmp(line, "Groups:", 7) == 0) {
      char *p = line + 7, *end;
      for (;;) {
        unsigned long g = strtoul(p, &end, 10);
        if (end == p || id->n_groups == MAX_GROUPS) break;
        id->groups[id->n_groups++] = (gid_t)g;
        p = end;
      }
    }
  }
  fclose(f);
  return 0;
}

/* build_env starts from the container init's environment and applies --env overrides. */
static char **build_env(const struct exec_opts *o) {
  char path[64];
  static char buf[64 * 1024];
  size_t len = 0;
  snprintf(path, sizeof path, "/proc/%d/environ", o->pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)n;
    close(fd);
  }
  buf[len] = '\0';
  char **env = calloc(MAX_ENV * 2 + 1, sizeof(char *));
  if (env == NULL) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < len && n < MAX_ENV; i += strlen(buf + i) + 1)
    if (buf[i] != '\0') env[n++] = buf + i;
  for (int i = 0; i < o->n_env; i++) {
    size_t key = strcspn(o->env[i], "=");
    size_t j = 0;
    for (; j < n; j++)
      if (strncmp(env[j], o->env[i], key + 1) == 0) break;
    env[j] = o->env[i];
    if (j == n) n++;
  }
  env[n] = NULL;
  return env;
}

static int join_namespaces(int pid, struct flt_error *err) {
  static const struct { const char *name; int type; } order[] = {
      {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
      {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
  };
  int fds[6];
  for (int i = 0; i < 6; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, order[i].name);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0 && !(errno == ENOENT && order[i].type == CLONE_NEWCGROUP)) {
      int r = flt_error_sys(err, "open `%s`", path);
      while (i-- > 0) close(fds[i]);
      return r;
    }
  }
  int rc = 0;
  for (int i = 0; i < 6; i++) {
    if (fds[i] < 0) continue;
    if (rc == 0 && setns(fds[i], order[i].type) < 0) rc = flt_error_sys(err, "setns %s of pid %d", order[i].name, pid);
    close(fds[i]);
  }
  return rc;
}

static void run_child(const struct exec_opts *o, const struct identity *id, char **env) {
  struct flt_error err;
  char exe[PATH_MAX];
  flt_error_clear(&err);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  if (chdir(o->cwd) < 0) {
    flt_error_sys(&err, "chdir `%s`", o->cwd);
    _exit(die(&err, 126));
  }
  if (flt_exec_resolve(o->cmd[0], env, exe, sizeof exe, &err) < 0) _exit(die(&err, err.errno_value == ENOENT ? 127 : 126));
  if (flt_caps_apply(id->caps, id->uid, id->gid, id->groups, id->n_groups, &err) < 0) _exit(die(&err, 126));
  if (id->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    flt_error_sys(&err, "prctl(PR_SET_NO_NEW_PRIVS)");
    _exit(die(&err, 126));
  }
  execve(exe, o->cmd, env);
  flt_error_sys(&err, "exec: \"%s\"", o->cmd[0]);
  _exit(die(&err, errno == ENOENT ? 127 : 126));
}

int flt_shim_exec(int argc, char **argv) {
  struct exec_opts o;
  struct identity id;
  struct flt_error err;
  flt_error_clear(&err);
  if (parse_opts(argc, argv, &o, &err) < 0) return die(&err, 125);
  static char init_cwd[PATH_MAX];
  if (o.cwd == NULL) {
    /* default: where the container's init is, as seen inside the container */
    char link[64];
    snprintf(link, sizeof link, "/proc/%d/cwd", o.pid);
    ssize_t n = readlink(link, init_cwd, sizeof init_cwd - 1);
    init_cwd[n > 0 ? n : 0] = '\0';
    o.cwd = n > 0 && init_cwd[0] == '/' ? init_cwd : "/";
  }
  if (read_identity(o.pid, &id, &err) < 0) return die(&err, 125);
  char **env = build_env(&o);
  if (env == NULL) {
    flt_error_set(&err, ENOMEM, "out of memory");
    return die(&err, 125);
  }
  if (flt_cgroup_join(o.cgroups, o.n_cgroups, getpid(), &err) < 0) return die(&err, 125);
  if (join_namespaces(o.pid, &err) < 0) return die(&err, 125);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  pid_t child = fork();
  if (child < 0) {
    flt_error_sys(&err, "fork");
    return die(&err, 125);
  }
  if (child == 0) run_child(&o, &id, env);
  g_child = child;
  int st;
  while (waitpid(child, &st, 0) < 0) {
    if (errno != EINTR) {
      flt_error_sys(&err, "waitpid");
      return die(&err, 125);
    }
  }
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  return 128 + WTERMSIG(st);
}
