/* json.c: a small recursive-descent JSON parser over an mmap'd arena. */
#include "flt_json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_CHUNK (64 * 1024)
#define MAX_DEPTH 64

struct flt_arena_chunk {
  struct flt_arena_chunk *next;
  size_t size;
  size_t used;
  char data[];
};

void *flt_arena_alloc(struct flt_arena *arena, size_t size) {
  size = (size + 15) & ~(size_t)15;
  struct flt_arena_chunk *c = arena->chunks;
  if (c == NULL || c->size - c->used < size) {
    size_t total = sizeof *c + size;
    if (total < ARENA_CHUNK) total = ARENA_CHUNK;
    void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    c = m;
    c->next = arena->chunks;
    c->size = total - sizeof *c;
    c->used = 0;
    arena->chunks = c;
  }
  void *p = c->data + c->used;
  c->used += size;
  return p;
}

char *flt_arena_strdup(struct flt_arena *arena, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = flt_arena_alloc(arena, n);
  if (p != NULL) memcpy(p, s, n);
  return p;
}

void flt_arena_free(struct flt_arena *arena) {
  struct flt_arena_chunk *c = arena->chunks;
  while (c != NULL) {
    struct flt_arena_chunk *next = c->next;
    munmap(c, c->size + sizeof *c);
    c = next;
  }
  arena->chunks = NULL;
}

struct parser {
  const char *text;
  size_t len;
  size_t pos;
  const char *name;
  struct flt_arena *arena;
  struct flt_error *err;
};

static int fail(struct parser *p, const char *what) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < p->pos && i < p->len; i++) {
    if (p->text[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return flt_error_set(p->err, EINVAL, "%s: line %zu column %zu: %s", p->name, line, col, what);
}

static void skip_ws(struct parser *p) {
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int peek(struct parser *p) { return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1; }

static struct flt_json *new_value(struct parser *p, enum flt_json_type type) {
  struct flt_json *v = flt_arena_alloc(p->arena, sizeof *v);
  if (v == NULL) return NULL;
  memset(v, 0, sizeof *v);
  v->type = type;
  return v;
}

static int hex4(struct parser *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int c = peek(p);
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return fail(p, "invalid \\u escape");
    p->pos++;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *out, unsigned cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* parse_string reads a string starting at '"'; the decoded text is never longer than the source. */
static int parse_string(struct parser *p, char **out, size_t *out_len) {
  p->pos++; /* opening quote */
  size_t start = p->pos;
  size_t end = start;
  while (end < p->len && p->text[end] != '"') end += p->text[end] == '\\' ? 2 : 1;
  if (end >= p->len) {
    p->pos = start > 0 ? start - 1 : 0;
    return fail(p, "unterminated string");
  }
  char *buf = flt_arena_alloc(p->arena, end - start + 1);
  if (buf == NULL) return flt_error_set(p->err, ENOMEM, "%s: out of memory", p->name);
  size_t n = 0;
  while (p->pos < end) {
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c < 0x20) return fail(p, "control character in string");
    if (c != '\\') {
      buf[n++] = (char)c;
      p->pos++;
      continue;
    }
    p->pos++;
    char e = p->text[p->pos++];
    switch (e) {
    case '"': buf[n++] = '"'; break;
    case '\\': buf[n++] = '\\'; break;
    case '/': buf[n++] = '/'; break;
    case 'b': buf[n++] = '\b'; break;
    case 'f': buf[n++] = '\f'; break;
    case 'n': buf[n++] = '\n'; break;
    case 'r': buf[n++] = '\r'; break;
    case 't': buf[n++] = '\t'; break;
    case 'u': {
      unsigned cp;
      if (hex4(p, &cp) < 0) return -EINVAL;
      if (cp >= 0xD800 && cp <= 0xDBFF && p->pos + 1 < end && p->text[p->pos] == '\\' &&
          p->text[p->pos + 1] == 'u') {
        unsigned lo;
        p->pos += 2;
        if (hex4(p, &lo) < 0) return -EINVAL;
        if (lo >= 0xDC00 && lo <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        else return fail(p, "invalid surrogate pair");
      }
      n += put_utf8(buf + n, cp);
      break;
    }
    default:
      p->pos--;
      return fail(p, "invalid escape in string");
    }
  }
  buf[n] = '\0';
  p->pos = end + 1;
  *out = buf;
  *out_len = n;
  return 0;
}

static int parse_value(struct parser *p, int depth, struct flt_json **out);

static int parse_container(struct parser *p, int depth, int object, struct flt_json **out) {
  struct flt_json *v = new_value(p, object ? FLT_JSON_OBJECT : FLT_JSON_ARRAY);
  if (v == NULL) return flt_error_set(p->err, ENOMEM, "%s: out of memory", p->name);
  char close = object ? '}' : ']';
  struct flt_json **tail = &v->child;
  p->pos++;
  skip_ws(p);
  if (peek(p) == close) {
    p->pos++;
    *out = v;
    return 0;
  }
  for (;;) {
    char *key = NULL;
    size_t key_len;
    skip_ws(p);
    if (object) {
      if (peek(p) != '"') return fail(p, "expected a string key");
      if (parse_string(p, &key, &key_len) < 0) return -EINVAL;
      skip_ws(p);
      if (peek(p) != ':') return fail(p, "expected ':'");
      p->pos++;
    }
    struct flt_json *item;
    if (parse_value(p, depth + 1, &item) < 0) return -EINVAL;
    item->key = key;
    *tail = item;
    tail = &item->next;
    v->len++;
    skip_ws(p);
    int c = peek(p);
    if (c == ',') {
      p->pos++;
      continue;
    }
    if (c == close) {
      p->pos++;
      break;
    }
    return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
  *out = v;
  return 0;
}

static int parse_number(struct parser *p, struct flt_json **out) {
  size_t s = p->pos;
  if (peek(p) == '-') p->pos++;
  if (peek(p) < '0' || peek(p) > '9') return fail(p, "invalid number");
  while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  if (peek(p) == '.') {
    p->pos++;
    if (peek(p) < '0' || peek(p) > '9') return fail(p, "invalid number");
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-') p->pos++;
    if (peek(p) < '0' || peek(p) > '9') return fail(p, "invalid number");
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  }
  char tmp[64];
  size_t n = p->pos - s;
  if (n >= sizeof tmp) return fail(p, "number too long");
  memcpy(tmp, p->text + s, n);
  tmp[n] = '\0';
  struct flt_json *v = new_value(p, FLT_JSON_NUMBER);
  if (v == NULL) return flt_error_set(p->err, ENOMEM, "%s: out of memory", p->name);
  v->number = strtod(tmp, NULL);
  *out = v;
  return 0;
}

static int parse_literal(struct parser *p, const char *word, enum flt_json_type type, int b,
                         struct flt_json **out) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) return fail(p, "invalid value");
  p->pos += n;
  struct flt_json *v = new_value(p, type);
  if (v == NULL) return flt_error_set(p->err, ENOMEM, "%s: out of memory", p->name);
  v->boolean = b;
  *out = v;
  return 0;
}

static int parse_value(struct parser *p, int depth, struct flt_json **out) {
  if (depth > MAX_DEPTH) return fail(p, "nesting too deep");
  skip_ws(p);
  int c = peek(p);
  switch (c) {
  case '{': return parse_container(p, depth, 1, out);
  case '[': return parse_container(p, depth, 0, out);
  case '"': {
    struct flt_json *v = new_value(p, FLT_JSON_STRING);
    if (v == NULL) return flt_error_set(p->err, ENOMEM, "%s: out of memory", p->name);
    if (parse_string(p, &v->string, &v->len) < 0) return -EINVAL;
    *out = v;
    return 0;
  }
  case 't': return parse_literal(p, "true", FLT_JSON_BOOL, 1, out);
  case 'f': return parse_literal(p, "false", FLT_JSON_BOOL, 0, out);
  case 'n': return parse_literal(p, "null", FLT_JSON_NULL, 0, out);
  case -1: return fail(p, "unexpected end of input");
  default:
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p, out);
    return fail(p, "invalid value");
  }
}

int flt_json_parse(const char *text, size_t len, const char *name, struct flt_arena *arena,
                   struct flt_json **out, struct flt_error *err) {
  struct parser p = {.text = text, .len = len, .pos = 0, .name = name, .arena = arena, .err = err};
  if (parse_value(&p, 0, out) < 0) return -EINVAL;
  skip_ws(&p);
  if (p.pos != p.len) return fail(&p, "unexpected text after the value");
  return 0;
}

const struct flt_json *flt_json_get(const struct flt_json *obj, const char *key) {
  if (obj == NULL || obj->type != FLT_JSON_OBJECT) return NULL;
  for (const struct flt_json *m = obj->child; m != NULL; m = m->next)
    if (strcmp(m->key, key) == 0) return m;
  return NULL;
}

const char *flt_json_type_name(enum flt_json_type type) {
  static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};
  return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}
