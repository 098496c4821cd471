/* lib_spawn.c: starting the shim from the runtime's process cheaply (vfork-style posix_spawn,
 * whatever the size of the caller) and handing back the read end of its sync pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flotilla.h"

extern char **environ;

int flt_spawn_shim(const char *path, char *const *argv, struct flt_error *err) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return flt_error_sys(err, "pipe");
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, p[1], 3);
  /* a clean signal state: the caller (node) blocks or handles signals the shim must see */
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int rc = posix_spawn(&pid, path, &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(p[1]);
  if (rc != 0) {
    close(p[0]);
    errno = rc;
    return flt_error_sys(err, "spawn `%s`", path);
  }
  /* the shim's first process only forks its detached self and exits: reap it here */
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return p[0];
}
