/* flt_spec.h: the parts of an OCI runtime-spec config.json that the shim executes. */
#ifndef FLT_SPEC_H
#define FLT_SPEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "flt_error.h"
#include "flt_json.h"

enum { FLT_CAP_BOUNDING, FLT_CAP_EFFECTIVE, FLT_CAP_PERMITTED, FLT_CAP_INHERITABLE, FLT_CAP_AMBIENT, FLT_CAP_SETS };

/* flt_mount is one config.mounts entry with its options split into flags and data. */
struct flt_mount {
  const char *destination;
  const char *type;
  const char *source;
  unsigned long flags;       /* MS_* applied at mount time (and remount for binds) */
  unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED (| MS_REC), 0 when none */
  int bind;                  /* 1 for bind, 2 for rbind */
  char *data;                /* the options that are not flags, comma-joined */
};

/* flt_namespace is one linux.namespaces entry: a CLONE_NEW* flag and an optional path to join. */
struct flt_namespace {
  int type;
  const char *name;
  const char *path;
};

struct flt_rlimit {
  int resource;
  uint64_t soft;
  uint64_t hard;
};

struct flt_sysctl {
  const char *key;
  const char *value;
};

struct flt_device {
  const char *path;
  char type; /* c, b, u, p */
  unsigned major;
  unsigned minor;
  unsigned mode;
  unsigned uid;
  unsigned gid;
};

/* flt_spec is a parsed config.json; every pointer lives in the arena it was parsed into. */
struct flt_spec {
  const char *root_path;
  int root_readonly;
  const char *hostname;
  char **args; /* NULL-terminated */
  size_t n_args;
  char **env; /* NULL-terminated */
  const char *cwd;
  unsigned umask;
  unsigned uid;
  unsigned gid;
  gid_t *additional_gids;
  size_t n_additional_gids;
  int no_new_privs;
  int has_caps;
  uint64_t caps[FLT_CAP_SETS];
  struct flt_rlimit *rlimits;
  size_t n_rlimits;
  int has_oom_score_adj;
  int oom_score_adj;
  struct flt_mount *mounts;
  size_t n_mounts;
  struct flt_namespace *namespaces;
  size_t n_namespaces;
  int clone_flags; /* CLONE_NEW* of namespaces to create (those without a path) */
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  struct flt_sysctl *sysctls;
  size_t n_sysctls;
  struct flt_device *devices;
  size_t n_devices;
  unsigned long rootfs_propagation;
};

/* flt_spec_parse turns config.json text into a flt_spec; errors name the field. */
int flt_spec_parse(const char *text, size_t len, struct flt_arena *arena, struct flt_spec *out,
                   struct flt_error *err);

/* flt_spec_load reads and parses <bundle>/config.json. */
int flt_spec_load(const char *bundle, struct flt_arena *arena, struct flt_spec *out,
                  struct flt_error *err);

/* flt_caps_from_name maps "CAP_SYS_ADMIN" to 21; -1 when unknown. */
int flt_caps_from_name(const char *name);

/* flt_rlimit_from_name maps "RLIMIT_NOFILE" to RLIMIT_NOFILE; -1 when unknown. */
int flt_rlimit_from_name(const char *name);

/* flt_mount_option classifies one mount option: 1 and flags set/cleared when it is a flag,
 * 0 when it belongs in the data string. */
int flt_mount_option(const char *opt, unsigned long *flags, unsigned long *propagation, int *bind);

#endif
