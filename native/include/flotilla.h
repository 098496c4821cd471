/* flotilla.h: the functions libflotilla.so exports to runtime/native.ts (koffi). Each takes a
 * struct flt_error out-parameter last and returns 0, or a negative value with err filled. */
#ifndef FLOTILLA_H
#define FLOTILLA_H

#include "flt_error.h"

#define FLT_API __attribute__((visibility("default")))

/* flt_ns_create makes persistent net/ipc/uts namespaces as bind-mounted files <dir>/{net,ipc,uts}. */
FLT_API int flt_ns_create(const char *dir, int flags, const char *hostname, struct flt_error *err);

/* flt_ns_remove unmounts and unlinks <dir>/{net,ipc,uts}, then removes dir when empty. */
FLT_API int flt_ns_remove(const char *dir, struct flt_error *err);

/* flt_mount_overlay mounts an overlay at target; lowerdirs is colon-separated, topmost first;
 * an empty upperdir makes a read-only overlay of the lower layers. target, upperdir and workdir
 * are made (with missing parents) when they do not exist. */
FLT_API int flt_mount_overlay(const char *lowerdirs, const char *upperdir, const char *workdir, const char *target,
                              struct flt_error *err);

/* flt_mount_bind bind-mounts src (recursively) on dst, read-only when readonly is non-zero. */
FLT_API int flt_mount_bind(const char *src, const char *dst, int readonly, struct flt_error *err);

/* flt_unmount is umount2(target, flags) with a message naming the target. */
FLT_API int flt_unmount(const char *target, int flags, struct flt_error *err);

/* flt_set_topdir sets FS_TOPDIR_FL (chattr +T) on dir: ext4 then spreads its subdirectories over
 * block groups as it does top-level ones (Orlov), instead of packing them into dir's group. */
FLT_API int flt_set_topdir(const char *dir, struct flt_error *err);

/* flt_kill is kill(pid, signal) with a message naming the pid. */
FLT_API int flt_kill(int pid, int signal, struct flt_error *err);

/* flt_pidfd_signal signals pid through a pidfd, so a recycled pid can never be hit by mistake
 * between open and send (the caller checks the process is still the one it means). */
FLT_API int flt_pidfd_signal(int pid, int signal, struct flt_error *err);

/* flt_features writes a JSON object of kernel features into json_out (len bytes). */
FLT_API int flt_features(char *json_out, int len, struct flt_error *err);

/* flt_spawn_shim runs the shim (argv[0..] NULL-terminated) with /dev/null as 0-2 and a pipe as
 * fd 3, reaps its first process (which detaches at once) and returns the pipe's read end. */
FLT_API int flt_spawn_shim(const char *path, char *const *argv, struct flt_error *err);

/* flt_veth_attach adds veth host_if on bridge (up) with its peer peer_if made in the network namespace
 * at netns_path, where the peer gets address/prefix, is brought up (with lo) and routes by default via
 * gateway: what `ip link add`, `ip addr add`, `ip link set up` and `ip route add` would do, over
 * rtnetlink. On failure the caller deletes host_if (its peer goes with it). */
FLT_API int flt_veth_attach(const char *host_if, const char *bridge, const char *netns_path, const char *peer_if,
                            const char *address, int prefix, const char *gateway, struct flt_error *err);

/* flt_link_delete deletes a link of this network namespace by name: 0 when deleted, 1 when there was
 * none (a veth's peer goes with it). */
FLT_API int flt_link_delete(const char *name, struct flt_error *err);

/* flt_link_index returns the index of a link of this network namespace by name, 0 when there is none:
 * one ioctl, whatever the number of links (reading /proc/net/dev costs their statistics too). */
FLT_API int flt_link_index(const char *name, struct flt_error *err);

/* flt_error_size returns sizeof(struct flt_error), so the binding can check its layout. */
FLT_API int flt_error_size(void);

#endif
