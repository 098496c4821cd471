/* rlimits.c: process.rlimits names and setrlimit. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/resource.h>

#include "flt_container.h"

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int flt_rlimit_from_name(const char *name) {
  for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
    if (strcmp(rlimit_names[i].name, name) == 0) return rlimit_names[i].resource;
  return -1;
}

static const char *rlimit_name(int resource) {
  for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
    if (rlimit_names[i].resource == resource) return rlimit_names[i].name;
  return "RLIMIT_?";
}

int flt_rlimits_apply(const struct flt_rlimit *rlimits, size_t n, struct flt_error *err) {
  for (size_t i = 0; i < n; i++) {
    struct rlimit rl = {.rlim_cur = rlimits[i].soft, .rlim_max = rlimits[i].hard};
    if (setrlimit(rlimits[i].resource, &rl) < 0)
      return flt_error_sys(err, "setrlimit %s", rlimit_name(rlimits[i].resource));
  }
  return 0;
}
