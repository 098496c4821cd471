/* test_json.c: the JSON parser on valid documents, escapes, and errors with line and column. */
#include <string.h>

#include "check.h"
#include "flt_json.h"

static struct flt_json *parse(struct flt_arena *a, const char *text, struct flt_error *err) {
  struct flt_json *v = NULL;
  flt_error_clear(err);
  if (flt_json_parse(text, strlen(text), "t.json", a, &v, err) < 0) return NULL;
  return v;
}

int main(void) {
  struct flt_arena a = {0};
  struct flt_error err;
  struct flt_json *v;

  v = parse(&a, " {\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": []} ", &err);
  CHECK(v != NULL && v->type == FLT_JSON_OBJECT && v->len == 3);
  const struct flt_json *arr = flt_json_get(v, "a");
  CHECK(arr != NULL && arr->type == FLT_JSON_ARRAY && arr->len == 5);
  CHECK(arr && arr->child->number == 1 && arr->child->next->number == -25);
  CHECK(arr && arr->child->next->next->type == FLT_JSON_BOOL && arr->child->next->next->boolean == 1);
  CHECK(arr && arr->child->next->next->next->next->type == FLT_JSON_NULL);
  CHECK(strcmp(flt_json_get(flt_json_get(v, "b"), "c")->string, "d") == 0);
  CHECK(flt_json_get(v, "e")->len == 0 && flt_json_get(v, "e")->child == NULL);
  CHECK(flt_json_get(v, "zz") == NULL);

  v = parse(&a, "\"q\\\" b\\\\ s\\/ n\\n t\\t u\\u00e9 \\ud83d\\ude00\"", &err);
  CHECK(v != NULL && strcmp(v->string, "q\" b\\ s/ n\n t\t u\xc3\xa9 \xf0\x9f\x98\x80") == 0);
  v = parse(&a, "\"a\\u0000b\"", &err);
  CHECK(v != NULL && v->len == 3);

  CHECK(parse(&a, "{\"a\": 1,\n  \"b\" 2}", &err) == NULL);
  CHECK(strcmp(err.msg, "t.json: line 2 column 7: expected ':'") == 0);
  CHECK(parse(&a, "[1, 2", &err) == NULL && strstr(err.msg, "line 1 column 6") != NULL);
  CHECK(parse(&a, "\"abc", &err) == NULL && strstr(err.msg, "unterminated string") != NULL);
  CHECK(parse(&a, "{} x", &err) == NULL && strstr(err.msg, "unexpected text after the value") != NULL);
  CHECK(parse(&a, "tru", &err) == NULL && strstr(err.msg, "invalid value") != NULL);
  CHECK(parse(&a, "01a", &err) == NULL);
  CHECK(parse(&a, "-", &err) == NULL && strstr(err.msg, "invalid number") != NULL);
  CHECK(parse(&a, "\"a\\qb\"", &err) == NULL && strstr(err.msg, "invalid escape") != NULL);
  CHECK(parse(&a, "\"a\x01\"", &err) == NULL && strstr(err.msg, "control character") != NULL);
  CHECK(parse(&a, "", &err) == NULL && strstr(err.msg, "unexpected end of input") != NULL);

  char deep[300];
  memset(deep, '[', 100);
  deep[100] = '\0';
  CHECK(parse(&a, deep, &err) == NULL && strstr(err.msg, "nesting too deep") != NULL);

  /* a document larger than one arena chunk */
  static char big[200000];
  size_t n = 0;
  big[n++] = '[';
  for (int i = 0; i < 20000; i++) n += (size_t)snprintf(big + n, sizeof big - n, "%s%d", i ? "," : "", i);
  big[n++] = ']';
  big[n] = '\0';
  v = parse(&a, big, &err);
  CHECK(v != NULL && v->len == 20000);
  flt_arena_free(&a);
  CHECK(a.chunks == NULL);
  CHECK_DONE("test_json");
}
