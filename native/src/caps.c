/* caps.c: capability names and applying the five capability sets with capset/prctl. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "flt_container.h"
#include "flt_spec.h"

static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
    "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int flt_caps_from_name(const char *name) {
  for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
    if (strcmp(cap_names[i], name) == 0) return (int)i;
  return -1;
}

int flt_caps_apply(const uint64_t caps[FLT_CAP_SETS], unsigned uid, unsigned gid, const gid_t *groups,
                   size_t n_groups, struct flt_error *err) {
  for (int cap = 0; cap < 64; cap++) {
    if (caps[FLT_CAP_BOUNDING] & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      return flt_error_sys(err, "prctl(PR_CAPBSET_DROP, %d)", cap);
    }
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return flt_error_sys(err, "prctl(PR_SET_KEEPCAPS)");
  if (setgroups(n_groups, groups) < 0) return flt_error_sys(err, "setgroups");
  if (setgid(gid) < 0) return flt_error_sys(err, "setgid %u", gid);
  if (setuid(uid) < 0) return flt_error_sys(err, "setuid %u", uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return flt_error_sys(err, "prctl(PR_SET_KEEPCAPS)");

  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(caps[FLT_CAP_EFFECTIVE] >> (32 * i));
    data[i].permitted = (uint32_t)(caps[FLT_CAP_PERMITTED] >> (32 * i));
    data[i].inheritable = (uint32_t)(caps[FLT_CAP_INHERITABLE] >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) return flt_error_sys(err, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return flt_error_sys(err, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  for (int cap = 0; cap < 64; cap++) {
    if (!(caps[FLT_CAP_AMBIENT] & (1ULL << cap))) continue;
    /* a cap that is not both permitted and inheritable cannot be ambient: runc ignores it too */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM && errno != EINVAL)
      return flt_error_sys(err, "prctl(PR_CAP_AMBIENT_RAISE, %s)", cap < 41 ? cap_names[cap] : "?");
  }
  return 0;
}
