/* spec.c: OCI runtime-spec config.json to struct flt_spec. */
#define _GNU_SOURCE
#include "flt_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_NAME "config.json"

struct ctx {
  struct flt_arena *arena;
  struct flt_error *err;
};

static int bad_type(struct ctx *c, const char *field, const struct flt_json *v, const char *want) {
  return flt_error_set(c->err, EINVAL, SPEC_NAME ": %s: expected %s, got %s", field, want,
                       flt_json_type_name(v->type));
}

static int oom(struct ctx *c) { return flt_error_set(c->err, ENOMEM, SPEC_NAME ": out of memory"); }

/* get returns a member of obj checked against type; *out is NULL when the member is absent or null. */
static int get(struct ctx *c, const struct flt_json *obj, const char *key, const char *field,
               enum flt_json_type type, const struct flt_json **out) {
  const struct flt_json *v = flt_json_get(obj, key);
  *out = NULL;
  if (v == NULL || v->type == FLT_JSON_NULL) return 0;
  if (v->type != type) return bad_type(c, field, v, flt_json_type_name(type));
  *out = v;
  return 0;
}

static int get_string(struct ctx *c, const struct flt_json *obj, const char *key, const char *field,
                      const char **out) {
  const struct flt_json *v;
  if (get(c, obj, key, field, FLT_JSON_STRING, &v) < 0) return -EINVAL;
  if (v != NULL) *out = v->string;
  return 0;
}

static int get_bool(struct ctx *c, const struct flt_json *obj, const char *key, const char *field, int *out) {
  const struct flt_json *v;
  if (get(c, obj, key, field, FLT_JSON_BOOL, &v) < 0) return -EINVAL;
  if (v != NULL) *out = v->boolean;
  return 0;
}

static int get_uint(struct ctx *c, const struct flt_json *obj, const char *key, const char *field,
                    uint64_t max, uint64_t *out) {
  const struct flt_json *v;
  if (get(c, obj, key, field, FLT_JSON_NUMBER, &v) < 0) return -EINVAL;
  if (v == NULL) return 0;
  if (max == UINT64_MAX && v->number >= 18446744073709551615.0) {
    *out = UINT64_MAX; /* RLIM_INFINITY: 2^64-1 is not exact in a double */
    return 0;
  }
  if (v->number < 0 || v->number > (double)max || v->number != (double)(uint64_t)v->number)
    return flt_error_set(c->err, EINVAL, SPEC_NAME ": %s: expected an integer from 0 to %llu", field,
                         (unsigned long long)max);
  *out = (uint64_t)v->number;
  return 0;
}

/* string_array copies an array of strings into a NULL-terminated vector. */
static int string_array(struct ctx *c, const struct flt_json *arr, const char *field, char ***out, size_t *n) {
  *out = flt_arena_alloc(c->arena, (arr->len + 1) * sizeof(char *));
  if (*out == NULL) return oom(c);
  size_t i = 0;
  for (const struct flt_json *e = arr->child; e != NULL; e = e->next, i++) {
    if (e->type != FLT_JSON_STRING) {
      char f[128];
      snprintf(f, sizeof f, "%s[%zu]", field, i);
      return bad_type(c, f, e, "string");
    }
    (*out)[i] = e->string;
  }
  (*out)[i] = NULL;
  if (n != NULL) *n = i;
  return 0;
}

static int get_strings(struct ctx *c, const struct flt_json *obj, const char *key, const char *field,
                       char ***out, size_t *n) {
  const struct flt_json *v;
  if (get(c, obj, key, field, FLT_JSON_ARRAY, &v) < 0) return -EINVAL;
  if (v == NULL) return 0;
  return string_array(c, v, field, out, n);
}

static int parse_caps(struct ctx *c, const struct flt_json *caps, struct flt_spec *s) {
  static const char *const keys[FLT_CAP_SETS] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
  s->has_caps = 1;
  for (int k = 0; k < FLT_CAP_SETS; k++) {
    char field[64];
    snprintf(field, sizeof field, "process.capabilities.%s", keys[k]);
    const struct flt_json *arr;
    if (get(c, caps, keys[k], field, FLT_JSON_ARRAY, &arr) < 0) return -EINVAL;
    if (arr == NULL) continue;
    size_t i = 0;
    for (const struct flt_json *e = arr->child; e != NULL; e = e->next, i++) {
      if (e->type != FLT_JSON_STRING) {
        char f[96];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        return bad_type(c, f, e, "string");
      }
      int cap = flt_caps_from_name(e->string);
      if (cap < 0) continue; /* unknown to this kernel table: ignored, as runc does */
      s->caps[k] |= 1ULL << cap;
    }
  }
  return 0;
}

static int parse_process(struct ctx *c, const struct flt_json *p, struct flt_spec *s) {
  const struct flt_json *v;
  if (get_strings(c, p, "args", "process.args", &s->args, &s->n_args) < 0) return -EINVAL;
  if (s->n_args == 0 || s->args[0][0] == '\0')
    return flt_error_set(c->err, EINVAL, SPEC_NAME ": process.args: must name a program");
  if (get_strings(c, p, "env", "process.env", &s->env, NULL) < 0) return -EINVAL;
  if (s->env == NULL) {
    s->env = flt_arena_alloc(c->arena, sizeof(char *));
    if (s->env == NULL) return oom(c);
    s->env[0] = NULL;
  }
  s->cwd = "/";
  s->umask = 022;
  if (get_string(c, p, "cwd", "process.cwd", &s->cwd) < 0) return -EINVAL;
  if (s->cwd[0] != '/') return flt_error_set(c->err, EINVAL, SPEC_NAME ": process.cwd: must be an absolute path");
  if (get_bool(c, p, "noNewPrivileges", "process.noNewPrivileges", &s->no_new_privs) < 0) return -EINVAL;
  int terminal = 0;
  if (get_bool(c, p, "terminal", "process.terminal", &terminal) < 0) return -EINVAL;
  if (terminal)
    return flt_error_set(c->err, ENOTSUP, SPEC_NAME ": process.terminal: terminals are not supported (stdio goes to the log)");

  if (get(c, p, "user", "process.user", FLT_JSON_OBJECT, &v) < 0) return -EINVAL;
  if (v != NULL) {
    uint64_t uid = 0, gid = 0;
    if (get_uint(c, v, "uid", "process.user.uid", UINT32_MAX - 1, &uid) < 0) return -EINVAL;
    if (get_uint(c, v, "gid", "process.user.gid", UINT32_MAX - 1, &gid) < 0) return -EINVAL;
    s->uid = (unsigned)uid;
    s->gid = (unsigned)gid;
    uint64_t umask_value = 022;
    if (get_uint(c, v, "umask", "process.user.umask", 0777, &umask_value) < 0) return -EINVAL;
    s->umask = (unsigned)umask_value;
    const struct flt_json *ag;
    if (get(c, v, "additionalGids", "process.user.additionalGids", FLT_JSON_ARRAY, &ag) < 0) return -EINVAL;
    if (ag != NULL) {
      s->additional_gids = flt_arena_alloc(c->arena, (ag->len + 1) * sizeof(gid_t));
      if (s->additional_gids == NULL) return oom(c);
      for (const struct flt_json *e = ag->child; e != NULL; e = e->next) {
        if (e->type != FLT_JSON_NUMBER || e->number < 0 || e->number >= UINT32_MAX)
          return flt_error_set(c->err, EINVAL, SPEC_NAME ": process.user.additionalGids[%zu]: expected a gid",
                               s->n_additional_gids);
        s->additional_gids[s->n_additional_gids++] = (gid_t)e->number;
      }
    }
  }

  if (get(c, p, "capabilities", "process.capabilities", FLT_JSON_OBJECT, &v) < 0) return -EINVAL;
  if (v != NULL && parse_caps(c, v, s) < 0) return -EINVAL;

  if (get(c, p, "rlimits", "process.rlimits", FLT_JSON_ARRAY, &v) < 0) return -EINVAL;
  if (v != NULL) {
    s->rlimits = flt_arena_alloc(c->arena, (v->len + 1) * sizeof *s->rlimits);
    if (s->rlimits == NULL) return oom(c);
    for (const struct flt_json *e = v->child; e != NULL; e = e->next) {
      char field[64];
      snprintf(field, sizeof field, "process.rlimits[%zu]", s->n_rlimits);
      if (e->type != FLT_JSON_OBJECT) return bad_type(c, field, e, "object");
      const char *type = NULL;
      struct flt_rlimit *r = &s->rlimits[s->n_rlimits];
      if (get_string(c, e, "type", field, &type) < 0) return -EINVAL;
      r->resource = type ? flt_rlimit_from_name(type) : -1;
      if (r->resource < 0)
        return flt_error_set(c->err, EINVAL, SPEC_NAME ": %s.type: unknown rlimit \"%s\"", field, type ? type : "");
      if (get_uint(c, e, "soft", field, UINT64_MAX, &r->soft) < 0) return -EINVAL;
      if (get_uint(c, e, "hard", field, UINT64_MAX, &r->hard) < 0) return -EINVAL;
      s->n_rlimits++;
    }
  }
  const struct flt_json *oom_adj;
  if (get(c, p, "oomScoreAdj", "process.oomScoreAdj", FLT_JSON_NUMBER, &oom_adj) < 0) return -EINVAL;
  if (oom_adj != NULL) {
    s->has_oom_score_adj = 1;
    s->oom_score_adj = (int)oom_adj->number;
  }
  return 0;
}

static int parse_mounts(struct ctx *c, const struct flt_json *arr, struct flt_spec *s) {
  s->mounts = flt_arena_alloc(c->arena, (arr->len + 1) * sizeof *s->mounts);
  if (s->mounts == NULL) return oom(c);
  for (const struct flt_json *e = arr->child; e != NULL; e = e->next) {
    char field[64];
    snprintf(field, sizeof field, "mounts[%zu]", s->n_mounts);
    if (e->type != FLT_JSON_OBJECT) return bad_type(c, field, e, "object");
    struct flt_mount *m = &s->mounts[s->n_mounts];
    memset(m, 0, sizeof *m);
    if (get_string(c, e, "destination", field, &m->destination) < 0) return -EINVAL;
    if (m->destination == NULL || m->destination[0] != '/')
      return flt_error_set(c->err, EINVAL, SPEC_NAME ": %s.destination: must be an absolute path", field);
    m->type = "";
    m->source = "none";
    if (get_string(c, e, "type", field, &m->type) < 0) return -EINVAL;
    if (get_string(c, e, "source", field, &m->source) < 0) return -EINVAL;
    char **opts = NULL;
    size_t n_opts = 0;
    if (get_strings(c, e, "options", field, &opts, &n_opts) < 0) return -EINVAL;
    size_t data_len = 0;
    for (size_t i = 0; i < n_opts; i++) data_len += strlen(opts[i]) + 1;
    m->data = flt_arena_alloc(c->arena, data_len + 1);
    if (m->data == NULL) return oom(c);
    m->data[0] = '\0';
    for (size_t i = 0; i < n_opts; i++) {
      if (flt_mount_option(opts[i], &m->flags, &m->propagation, &m->bind)) continue;
      if (m->data[0] != '\0') strcat(m->data, ",");
      strcat(m->data, opts[i]);
    }
    if (strcmp(m->type, "bind") == 0 && m->bind == 0) m->bind = 1;
    s->n_mounts++;
  }
  return 0;
}

static int ns_flag(const char *name) {
  static const struct { const char *name; int flag; } table[] = {
      {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS}, {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS}, {"cgroup", CLONE_NEWCGROUP}, {"user", CLONE_NEWUSER},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0) return table[i].flag;
  return -1;
}

static int parse_linux(struct ctx *c, const struct flt_json *l, struct flt_spec *s) {
  const struct flt_json *v;
  if (get(c, l, "namespaces", "linux.namespaces", FLT_JSON_ARRAY, &v) < 0) return -EINVAL;
  if (v != NULL) {
    s->namespaces = flt_arena_alloc(c->arena, (v->len + 1) * sizeof *s->namespaces);
    if (s->namespaces == NULL) return oom(c);
    for (const struct flt_json *e = v->child; e != NULL; e = e->next) {
      char field[64];
      snprintf(field, sizeof field, "linux.namespaces[%zu]", s->n_namespaces);
      if (e->type != FLT_JSON_OBJECT) return bad_type(c, field, e, "object");
      struct flt_namespace *ns = &s->namespaces[s->n_namespaces];
      ns->name = NULL;
      ns->path = NULL;
      if (get_string(c, e, "type", field, &ns->name) < 0) return -EINVAL;
      if (get_string(c, e, "path", field, &ns->path) < 0) return -EINVAL;
      ns->type = ns->name ? ns_flag(ns->name) : -1;
      if (ns->type < 0)
        return flt_error_set(c->err, EINVAL, SPEC_NAME ": %s.type: unknown namespace \"%s\"", field,
                             ns->name ? ns->name : "");
      if (ns->type == CLONE_NEWUSER)
        return flt_error_set(c->err, ENOTSUP, SPEC_NAME ": %s: user namespaces are not supported", field);
      if (ns->path != NULL && ns->path[0] == '\0') ns->path = NULL;
      if (ns->path == NULL) s->clone_flags |= ns->type;
      s->n_namespaces++;
    }
  }
  if (flt_json_get(l, "seccomp") != NULL && flt_json_get(l, "seccomp")->type != FLT_JSON_NULL)
    return flt_error_set(c->err, ENOTSUP, SPEC_NAME ": linux.seccomp: seccomp filters are not supported by flotilla-shim");
  if (get_strings(c, l, "maskedPaths", "linux.maskedPaths", &s->masked_paths, &s->n_masked_paths) < 0) return -EINVAL;
  if (get_strings(c, l, "readonlyPaths", "linux.readonlyPaths", &s->readonly_paths, &s->n_readonly_paths) < 0)
    return -EINVAL;
  const char *prop = NULL;
  if (get_string(c, l, "rootfsPropagation", "linux.rootfsPropagation", &prop) < 0) return -EINVAL;
  if (prop != NULL) {
    int bind = 0;
    unsigned long flags = 0;
    if (!flt_mount_option(prop, &flags, &s->rootfs_propagation, &bind) || s->rootfs_propagation == 0)
      return flt_error_set(c->err, EINVAL, SPEC_NAME ": linux.rootfsPropagation: unknown value \"%s\"", prop);
  }
  if (get(c, l, "sysctl", "linux.sysctl", FLT_JSON_OBJECT, &v) < 0) return -EINVAL;
  if (v != NULL) {
    s->sysctls = flt_arena_alloc(c->arena, (v->len + 1) * sizeof *s->sysctls);
    if (s->sysctls == NULL) return oom(c);
    for (const struct flt_json *e = v->child; e != NULL; e = e->next) {
      if (e->type != FLT_JSON_STRING) return bad_type(c, "linux.sysctl", e, "string values");
      s->sysctls[s->n_sysctls].key = e->key;
      s->sysctls[s->n_sysctls++].value = e->string;
    }
  }
  if (get(c, l, "devices", "linux.devices", FLT_JSON_ARRAY, &v) < 0) return -EINVAL;
  if (v != NULL) {
    s->devices = flt_arena_alloc(c->arena, (v->len + 1) * sizeof *s->devices);
    if (s->devices == NULL) return oom(c);
    for (const struct flt_json *e = v->child; e != NULL; e = e->next) {
      char field[64];
      snprintf(field, sizeof field, "linux.devices[%zu]", s->n_devices);
      if (e->type != FLT_JSON_OBJECT) return bad_type(c, field, e, "object");
      struct flt_device *d = &s->devices[s->n_devices];
      const char *type = NULL;
      uint64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
      d->path = NULL;
      if (get_string(c, e, "path", field, &d->path) < 0 || get_string(c, e, "type", field, &type) < 0 ||
          get_uint(c, e, "major", field, UINT32_MAX, &major) < 0 ||
          get_uint(c, e, "minor", field, UINT32_MAX, &minor) < 0 ||
          get_uint(c, e, "fileMode", field, 07777, &mode) < 0 || get_uint(c, e, "uid", field, UINT32_MAX, &uid) < 0 ||
          get_uint(c, e, "gid", field, UINT32_MAX, &gid) < 0)
        return -EINVAL;
      if (d->path == NULL || d->path[0] != '/' || type == NULL || strchr("cbup", type[0]) == NULL)
        return flt_error_set(c->err, EINVAL, SPEC_NAME ": %s: needs an absolute path and type c, b, u or p", field);
      d->type = type[0];
      d->major = (unsigned)major;
      d->minor = (unsigned)minor;
      d->mode = (unsigned)mode;
      d->uid = (unsigned)uid;
      d->gid = (unsigned)gid;
      s->n_devices++;
    }
  }
  return 0;
}

int flt_spec_parse(const char *text, size_t len, struct flt_arena *arena, struct flt_spec *s,
                   struct flt_error *err) {
  struct ctx c = {.arena = arena, .err = err};
  struct flt_json *doc;
  const struct flt_json *v;
  memset(s, 0, sizeof *s);
  if (flt_json_parse(text, len, SPEC_NAME, arena, &doc, err) < 0) return -EINVAL;
  if (doc->type != FLT_JSON_OBJECT) return bad_type(&c, "top level", doc, "object");

  if (get(&c, doc, "root", "root", FLT_JSON_OBJECT, &v) < 0) return -EINVAL;
  if (v == NULL) return flt_error_set(err, EINVAL, SPEC_NAME ": root: required");
  if (get_string(&c, v, "path", "root.path", &s->root_path) < 0) return -EINVAL;
  if (s->root_path == NULL || s->root_path[0] == '\0')
    return flt_error_set(err, EINVAL, SPEC_NAME ": root.path: required");
  if (get_bool(&c, v, "readonly", "root.readonly", &s->root_readonly) < 0) return -EINVAL;
  if (get_string(&c, doc, "hostname", "hostname", &s->hostname) < 0) return -EINVAL;

  if (get(&c, doc, "process", "process", FLT_JSON_OBJECT, &v) < 0) return -EINVAL;
  if (v == NULL) return flt_error_set(err, EINVAL, SPEC_NAME ": process: required");
  if (parse_process(&c, v, s) < 0) return -EINVAL;

  if (get(&c, doc, "mounts", "mounts", FLT_JSON_ARRAY, &v) < 0) return -EINVAL;
  if (v != NULL && parse_mounts(&c, v, s) < 0) return -EINVAL;

  if (get(&c, doc, "linux", "linux", FLT_JSON_OBJECT, &v) < 0) return -EINVAL;
  if (v != NULL && parse_linux(&c, v, s) < 0) return -EINVAL;
  return 0;
}

int flt_spec_load(const char *bundle, struct flt_arena *arena, struct flt_spec *s, struct flt_error *err) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/config.json", bundle);
  cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return flt_error_sys(err, "open `%s`", path);
  struct stat st;
  if (fstat(fd, &st) < 0) return flt_error_sys(err, "stat `%s`", path);
  if (st.st_size > 16 * 1024 * 1024) return flt_error_set(err, EFBIG, "%s: larger than 16 MiB", path);
  char *text = flt_arena_alloc(arena, (size_t)st.st_size + 1);
  if (text == NULL) return flt_error_set(err, ENOMEM, "%s: out of memory", path);
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return flt_error_sys(err, "read `%s`", path);
    if (n == 0) break;
    got += (size_t)n;
  }
  text[got] = '\0';
  return flt_spec_parse(text, got, arena, s, err);
}
