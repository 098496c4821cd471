/* flt_json.h: a small JSON parser (config.json is parsed in C, libc only). */
#ifndef FLT_JSON_H
#define FLT_JSON_H

#include <stddef.h>

#include "flt_error.h"

/* flt_arena hands out memory from mmap'd chunks, all returned to the kernel at once by
 * flt_arena_free, so the shim's RSS drops back after the spec is no longer needed. */
struct flt_arena {
  struct flt_arena_chunk *chunks;
};

void *flt_arena_alloc(struct flt_arena *arena, size_t size);
char *flt_arena_strdup(struct flt_arena *arena, const char *s);
void flt_arena_free(struct flt_arena *arena);

enum flt_json_type {
  FLT_JSON_NULL,
  FLT_JSON_BOOL,
  FLT_JSON_NUMBER,
  FLT_JSON_STRING,
  FLT_JSON_ARRAY,
  FLT_JSON_OBJECT,
};

/* flt_json is one parsed value; arrays and objects list their members through child/next. */
struct flt_json {
  enum flt_json_type type;
  int boolean;
  double number;
  char *string;  /* NUL-terminated; len bytes (may contain NUL from \u0000) */
  size_t len;    /* string bytes, or number of members */
  char *key;     /* the member's name inside an object */
  struct flt_json *child;
  struct flt_json *next;
};

/* flt_json_parse parses text (len bytes) into a tree allocated from arena; name is used in
 * messages ("config.json: line 3 column 7: expected ':'"). */
int flt_json_parse(const char *text, size_t len, const char *name, struct flt_arena *arena,
                   struct flt_json **out, struct flt_error *err);

/* flt_json_get returns the member key of an object, or NULL when absent or not an object. */
const struct flt_json *flt_json_get(const struct flt_json *obj, const char *key);

/* flt_json_type_name names a type for messages ("string", "array"...). */
const char *flt_json_type_name(enum flt_json_type type);

#endif
