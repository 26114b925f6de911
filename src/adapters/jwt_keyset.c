/* jwt_keyset.c: the keys of JWT_KEYS_DIR, JWT_PRIVATE_KEY_FILE or a generated one, ordered
 * newest first, and the choice of the one that signs. */
#include "adapters/jwt_keyset.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#define KEY_NAME_MAX 256

struct keyset_entry {
  struct jwt_key *key;
  time_t mtime;            /* zero for a single key */
  char name[KEY_NAME_MAX]; /* the file name within the directory */
};

struct jwt_keyset {
  struct keyset_entry *entries;
  size_t count;
};

void jwt_keyset_free(struct jwt_keyset *s) {
  if (!s) return;
  for (size_t i = 0; i < s->count; i++) jwt_key_free(s->entries[i].key);
  free(s->entries);
  free(s);
}

/* Newer mtime first, in whole seconds (what copying a file keeps); for the same second the later
 * name, so every instance with the same files picks the same signer. */
static int newest_first(const void *a, const void *b) {
  const struct keyset_entry *x = a, *y = b;
  if (x->mtime != y->mtime) return x->mtime > y->mtime ? -1 : 1;
  return -strcmp(x->name, y->name);
}

static int is_pem_name(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && n > 4 && n < KEY_NAME_MAX && strcmp(name + n - 4, ".pem") == 0;
}

static int append(struct jwt_keyset *s, size_t *capacity, struct keyset_entry entry) {
  if (s->count == *capacity) {
    size_t grown = *capacity ? 2 * *capacity : 4;
    struct keyset_entry *e = realloc(s->entries, grown * sizeof *e);
    if (!e) return 0;
    s->entries = e;
    *capacity = grown;
  }
  s->entries[s->count++] = entry;
  return 1;
}

/* Loads dir/name into entry (mtime from the file the name leads to). 0 = skip: not a regular
 * file. -1 = error, in err. */
static int load_file(const char *dir, const char *name, enum jwt_key_alg alg,
                     struct keyset_entry *entry, char *err, size_t errlen) {
  char path[4096], why[512] = "out of memory";
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  entry->key = jwt_key_load(path, alg, why, sizeof why);
  if (!entry->key) {
    snprintf(err, errlen, "JWT_KEYS_DIR: %s", why);
    return -1;
  }
  entry->mtime = st.st_mtime;
  snprintf(entry->name, sizeof entry->name, "%s", name);
  return 1;
}

static const struct keyset_entry *entry_with_kid(const struct keyset_entry *entries, size_t n,
                                                 const char *kid) {
  for (size_t i = 0; kid && i < n; i++)
    if (strcmp(entries[i].key->kid, kid) == 0) return &entries[i];
  return NULL;
}

/* Drops every key whose kid a newer key already has (the same key in two files). */
static void drop_duplicates(struct jwt_keyset *s) {
  size_t kept = 0;
  for (size_t i = 0; i < s->count; i++) {
    if (entry_with_kid(s->entries, kept, s->entries[i].key->kid))
      jwt_key_free(s->entries[i].key);
    else
      s->entries[kept++] = s->entries[i];
  }
  s->count = kept;
}

static struct jwt_keyset *load_dir(const char *dir, enum jwt_key_alg alg, char *err,
                                   size_t errlen) {
  struct jwt_keyset *s = calloc(1, sizeof *s);
  size_t capacity = 0;
  DIR *d = NULL;
  if (!s) goto out_of_memory;
  if (!(d = opendir(dir))) {
    snprintf(err, errlen, "JWT_KEYS_DIR: cannot read the directory %s", dir);
    goto fail;
  }
  for (struct dirent *e; (e = readdir(d));) {
    if (!is_pem_name(e->d_name)) continue;
    struct keyset_entry entry = {0};
    int loaded = load_file(dir, e->d_name, alg, &entry, err, errlen);
    if (loaded < 0) goto fail;
    if (loaded > 0 && !append(s, &capacity, entry)) {
      jwt_key_free(entry.key);
      goto out_of_memory;
    }
  }
  closedir(d);
  if (s->count == 0) {
    snprintf(err, errlen, "JWT_KEYS_DIR: no *.pem private key in %s", dir);
    jwt_keyset_free(s);
    return NULL;
  }
  qsort(s->entries, s->count, sizeof *s->entries, newest_first);
  drop_duplicates(s);
  return s;

out_of_memory:
  snprintf(err, errlen, "JWT_KEYS_DIR: out of memory");
fail:
  if (d) closedir(d);
  jwt_keyset_free(s);
  return NULL;
}

/* JWT_PRIVATE_KEY_FILE, or a generated key when file is NULL. */
static struct jwt_keyset *load_one(const char *file, enum jwt_key_alg alg, char *err,
                                   size_t errlen) {
  char why[512] = "out of memory";
  struct jwt_key *key = jwt_key_load(file, alg, why, sizeof why);
  if (!key) {
    snprintf(err, errlen, "%s%s", file ? "JWT_PRIVATE_KEY_FILE: " : "", why);
    return NULL;
  }
  struct jwt_keyset *s = calloc(1, sizeof *s);
  if (s && (s->entries = calloc(1, sizeof *s->entries))) {
    s->entries[0].key = key;
    s->count = 1;
    return s;
  }
  snprintf(err, errlen, "out of memory");
  free(s);
  jwt_key_free(key);
  return NULL;
}

struct jwt_keyset *jwt_keyset_load(const char *dir, const char *file, enum jwt_key_alg alg,
                                   char *err, size_t errlen) {
  if (dir && *dir) return load_dir(dir, alg, err, errlen);
  return load_one(file && *file ? file : NULL, alg, err, errlen);
}

size_t jwt_keyset_count(const struct jwt_keyset *s) {
  return s->count;
}

const struct jwt_key *jwt_keyset_key(const struct jwt_keyset *s, size_t i) {
  return i < s->count ? s->entries[i].key : NULL;
}

int64_t jwt_keyset_since(const struct jwt_keyset *s, size_t i) {
  return i < s->count ? (int64_t)s->entries[i].mtime : 0;
}

const struct jwt_key *jwt_keyset_signer(const struct jwt_keyset *s, int64_t now) {
  for (size_t i = 0; i < s->count; i++)
    if ((int64_t)s->entries[i].mtime <= now) return s->entries[i].key;
  return s->entries[s->count - 1].key;
}

const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *s, const char *kid) {
  const struct keyset_entry *e = entry_with_kid(s->entries, s->count, kid);
  return e ? e->key : NULL;
}

char *jwt_keyset_jwks(const struct jwt_keyset *s) {
  json_t *keys = json_array();
  for (size_t i = 0; keys && i < s->count; i++) json_array_append(keys, s->entries[i].key->jwk);
  json_t *jwks = keys ? json_pack("{s:o}", "keys", keys) : NULL; /* steals keys */
  char *text = jwks ? json_dumps(jwks, JSON_COMPACT) : NULL;
  json_decref(jwks);
  return text;
}

struct jwt_secrets {
  const struct jwt_keyset *keys;
  size_t count;
  unsigned char (*secrets)[JWT_SECRET_BYTES]; /* secrets[i]: of jwt_keyset_key(keys, i) */
};

struct jwt_secrets *jwt_secrets_derive(const struct jwt_keyset *s, const char *info) {
  struct jwt_secrets *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->keys = s;
  d->count = jwt_keyset_count(s);
  d->secrets = calloc(d->count, sizeof *d->secrets);
  for (size_t i = 0; d->secrets && i < d->count; i++)
    if (!jwt_key_derive_secret(jwt_keyset_key(s, i), info, d->secrets[i], JWT_SECRET_BYTES)) {
      jwt_secrets_free(d);
      return NULL;
    }
  if (d->secrets) return d;
  free(d);
  return NULL;
}

const unsigned char *jwt_secrets_find(const struct jwt_secrets *d, const char *kid) {
  for (size_t i = 0; kid && i < d->count; i++)
    if (strcmp(jwt_keyset_key(d->keys, i)->kid, kid) == 0) return d->secrets[i];
  return NULL;
}

void jwt_secrets_free(struct jwt_secrets *d) {
  if (!d) return;
  if (d->secrets) OPENSSL_cleanse(d->secrets, d->count * sizeof *d->secrets);
  free(d->secrets);
  free(d);
}
