/* test_spec.c: config.json to struct flt_spec, and errors that name the field. */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "check.h"
#include "flt_spec.h"

static const char *const good =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"h1\","
    "\"process\":{\"args\":[\"sh\",\"-c\",\"echo\"],\"env\":[\"PATH=/bin\",\"A=b\"],\"cwd\":\"/tmp\","
    "\"user\":{\"uid\":1000,\"gid\":100,\"additionalGids\":[5,6]},\"noNewPrivileges\":true,"
    "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_FUTURE_THING\"],"
    "\"effective\":[\"CAP_KILL\"],\"ambient\":[]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512}],\"oomScoreAdj\":-5},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\",\"rprivate\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},{\"type\":\"mount\"},"
    "{\"type\":\"uts\",\"path\":\"\"}],\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"rootfsPropagation\":\"rslave\","
    "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":438}]}}";

static int parse(struct flt_arena *a, const char *text, struct flt_spec *s, struct flt_error *err) {
  flt_error_clear(err);
  return flt_spec_parse(text, strlen(text), a, s, err);
}

static void expect_error(const char *text, const char *want) {
  struct flt_arena a = {0};
  struct flt_spec s;
  struct flt_error err;
  int rc = parse(&a, text, &s, &err);
  CHECK(rc < 0);
  if (rc < 0 && strcmp(err.msg, want) != 0) fprintf(stderr, "  got:  %s\n  want: %s\n", err.msg, want);
  CHECK(rc < 0 && strcmp(err.msg, want) == 0);
  flt_arena_free(&a);
}

int main(void) {
  struct flt_arena a = {0};
  struct flt_spec s;
  struct flt_error err;
  CHECK(parse(&a, good, &s, &err) == 0);
  if (err.msg[0]) fprintf(stderr, "  %s\n", err.msg);
  CHECK(strcmp(s.root_path, "rootfs") == 0 && s.root_readonly == 1);
  CHECK(strcmp(s.hostname, "h1") == 0);
  CHECK(s.n_args == 3 && strcmp(s.args[2], "echo") == 0 && s.args[3] == NULL);
  CHECK(strcmp(s.env[1], "A=b") == 0 && s.env[2] == NULL);
  CHECK(strcmp(s.cwd, "/tmp") == 0 && s.uid == 1000 && s.gid == 100);
  CHECK(s.n_additional_gids == 2 && s.additional_gids[1] == 6);
  CHECK(s.no_new_privs == 1 && s.umask == 022);
  CHECK(s.caps[FLT_CAP_BOUNDING] == ((1ULL << 5) | (1ULL << 10)));
  CHECK(s.caps[FLT_CAP_EFFECTIVE] == (1ULL << 5) && s.caps[FLT_CAP_PERMITTED] == 0 && s.caps[FLT_CAP_AMBIENT] == 0);
  CHECK(s.n_rlimits == 1 && s.rlimits[0].resource == RLIMIT_NOFILE && s.rlimits[0].soft == 512 && s.rlimits[0].hard == 1024);
  CHECK(s.has_oom_score_adj && s.oom_score_adj == -5);
  CHECK(s.n_mounts == 3);
  CHECK(strcmp(s.mounts[1].data, "mode=755,size=65536k") == 0);
  CHECK(s.mounts[1].flags == (MS_NOSUID | MS_STRICTATIME) && s.mounts[1].bind == 0);
  CHECK(s.mounts[2].bind == 2 && s.mounts[2].flags == MS_RDONLY && s.mounts[2].propagation == (MS_PRIVATE | MS_REC));
  CHECK(s.n_namespaces == 4 && s.clone_flags == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS));
  CHECK(strcmp(s.namespaces[1].path, "/run/netns/x") == 0 && s.namespaces[3].path == NULL);
  CHECK(s.n_masked_paths == 1 && s.n_readonly_paths == 2 && strcmp(s.readonly_paths[1], "/proc/bus") == 0);
  CHECK(s.n_sysctls == 1 && strcmp(s.sysctls[0].key, "net.ipv4.ip_forward") == 0);
  CHECK(s.rootfs_propagation == (MS_SLAVE | MS_REC));
  CHECK(s.n_devices == 1 && s.devices[0].major == 10 && s.devices[0].mode == 0666);
  flt_arena_free(&a);

  {
    const char *inf = "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_CORE\","
                      "\"hard\":18446744073709551615,\"soft\":0}]}}";
    struct flt_arena a2 = {0};
    CHECK(parse(&a2, inf, &s, &err) == 0);
    CHECK(s.n_rlimits == 1 && s.rlimits[0].hard == UINT64_MAX && s.rlimits[0].soft == 0);
    flt_arena_free(&a2);
  }
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"terminal\":true}}",
               "config.json: process.terminal: terminals are not supported (stdio goes to the log)");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"linux\":{\"seccomp\":{}}}",
               "config.json: linux.seccomp: seccomp filters are not supported by flotilla-shim");
  expect_error("[]", "config.json: top level: expected object, got array");
  expect_error("{\"process\":{\"args\":[\"x\"]}}", "config.json: root: required");
  expect_error("{\"root\":{\"path\":\"r\"}}", "config.json: process: required");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}", "config.json: process.args: must name a program");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":\"sh\"}}",
               "config.json: process.args: expected array, got string");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\", 3]}}",
               "config.json: process.args[1]: expected string, got number");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}}",
               "config.json: process.cwd: must be an absolute path");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"user\":{\"uid\":-1}}}",
               "config.json: process.user.uid: expected an integer from 0 to 4294967294");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_X\"}]}}",
               "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_X\"");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"mounts\":[{\"destination\":\"proc\"}]}",
               "config.json: mounts[0].destination: must be an absolute path");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"linux\":{\"namespaces\":[{\"type\":\"time2\"}]}}",
               "config.json: linux.namespaces[0].type: unknown namespace \"time2\"");
  expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}",
               "config.json: linux.namespaces[0]: user namespaces are not supported");
  expect_error("{\"root\":{\"path\":\"r\"},\n\"process\":{\"args\":[\"sh\"]]}",
               "config.json: line 2 column 25: expected ',' or '}'");
  CHECK_DONE("test_spec");
}
