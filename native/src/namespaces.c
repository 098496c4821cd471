/* namespaces.c: joining the namespaces a spec names by path (setns). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "flt_container.h"

int flt_namespaces_join(const struct flt_spec *spec, int pid_too, struct flt_error *err) {
  /* open every path first: after joining a mount namespace the paths would resolve elsewhere */
  int fds[16];
  size_t n = 0;
  int rc = 0;
  for (size_t i = 0; i < spec->n_namespaces && n < 16; i++) {
    const struct flt_namespace *ns = &spec->namespaces[i];
    if (ns->path == NULL || (ns->type == CLONE_NEWPID) != (pid_too != 0)) continue;
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      rc = flt_error_sys(err, "open %s namespace `%s`", ns->name, ns->path);
      break;
    }
    fds[n++] = fd;
  }
  size_t k = 0;
  for (size_t i = 0; rc == 0 && i < spec->n_namespaces && k < n; i++) {
    const struct flt_namespace *ns = &spec->namespaces[i];
    if (ns->path == NULL || (ns->type == CLONE_NEWPID) != (pid_too != 0)) continue;
    if (setns(fds[k++], ns->type) < 0) rc = flt_error_sys(err, "setns %s `%s`", ns->name, ns->path);
  }
  for (size_t i = 0; i < n; i++) close(fds[i]);
  return rc;
}
