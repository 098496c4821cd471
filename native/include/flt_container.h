/* flt_container.h: the steps that turn a cloned child into the container process. */
#ifndef FLT_CONTAINER_H
#define FLT_CONTAINER_H

#include <stdint.h>

#include "flt_error.h"
#include "flt_spec.h"

/* flt_caps_apply drops the bounding set, switches uid/gids keeping caps, then sets the
 * effective/permitted/inheritable sets and raises the ambient ones. */
int flt_caps_apply(const uint64_t caps[FLT_CAP_SETS], unsigned uid, unsigned gid, const gid_t *groups,
                   size_t n_groups, struct flt_error *err);

/* flt_rlimits_apply sets each rlimit of the spec. */
int flt_rlimits_apply(const struct flt_rlimit *rlimits, size_t n, struct flt_error *err);

/* flt_mounts_setup builds the container's filesystem under rootfs and pivots into it. */
int flt_mounts_setup(const struct flt_spec *spec, const char *rootfs, struct flt_error *err);

/* flt_mounts_finish applies maskedPaths, readonlyPaths and root.readonly after pivot_root. */
int flt_mounts_finish(const struct flt_spec *spec, struct flt_error *err);

/* flt_namespaces_join setns()es into every linux.namespaces entry that carries a path,
 * except pid (joined before clone). */
int flt_namespaces_join(const struct flt_spec *spec, int pid_too, struct flt_error *err);

/* flt_cgroup_join writes pid into <dir>/cgroup.procs for each dir. */
int flt_cgroup_join(char *const *dirs, int n, int pid, struct flt_error *err);

/* flt_cgroups is what the shim is told of the container's cgroups: the dirs it joins and, when the
 * caller knows them, the host's v1 hierarchies as "CONTROLLERS:MOUNTPOINT" ("cpu,cpuacct:/sys/fs/cgroup/cpu,cpuacct"),
 * which spare a read of the mount table (it grows with every pod) per container. */
struct flt_cgroups {
  char *const *dirs;
  int n_dirs;
  char *const *hierarchies;
  int n_hierarchies;
};

/* flt_cgroup_mount gives the container its /sys/fs/cgroup at target (already created). */
int flt_cgroup_mount(const char *target, unsigned long flags, int new_cgroupns, const struct flt_cgroups *cg,
                     struct flt_error *err);

/* flt_mounts_set_cgroups tells flt_mounts_setup which cgroups the container joined. */
void flt_mounts_set_cgroups(const struct flt_cgroups *cg);

/* flt_exec_resolve finds args0 on PATH (from env) the way runc reports a missing program. */
int flt_exec_resolve(const char *args0, char *const *env, char *out, size_t out_len, struct flt_error *err);

#endif
