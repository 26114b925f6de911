/* argon2id.h: Argon2id password hash strings in the PHC format that libsodium's crypto_pwhash_str
 * writes ("$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>", base64 without padding), computed by
 * one of two engines that read and write the very same strings:
 *  - libsodium: vectorised, but its 64 MiB come from an mmap of its own, which the kernel backs
 *    with huge pages only when transparent huge pages are "always";
 *  - libargon2 (the reference implementation by Argon2's authors) on memory that we map and
 *    advise for huge pages (MADV_HUGEPAGE), which the kernel honours when they are "madvise".
 * Argon2id reads 1 KiB blocks at random over its 64 MiB: with 4 KiB pages nearly every read
 * misses the TLB, and on a virtual machine a miss walks two page tables. Measured on this
 * project's 2-core VM: libsodium 0.137 s per hash with 4 KiB pages and 0.044 s with 2 MiB ones;
 * libargon2 0.27 s and 0.09 s. So the engine to use is the one that gets huge pages here. */
#ifndef VG_ARGON2ID_H
#define VG_ARGON2ID_H

#include "ports/password_hasher.h"

enum vg_argon2_engine { VG_ARGON2_LIBSODIUM, VG_ARGON2_LIBARGON2 };

/* libargon2 when this kernel's transparent huge pages are "madvise", else libsodium ("always":
 * its own mapping gets them; "never" or unknown: neither does, and libsodium is the faster). */
enum vg_argon2_engine vg_argon2_engine_for_this_kernel(void);
const char *vg_argon2_engine_name(enum vg_argon2_engine engine);

/* A new Argon2id string for password at t_cost passes over m_kib KiB, with a random 16-byte salt
 * and a 32-byte hash (libsodium's sizes). 0, or -1 when the memory cannot be had. */
int vg_argon2id_str(enum vg_argon2_engine engine, char out[VG_HASH_MAX], const char *password,
                    unsigned t_cost, unsigned m_kib);

/* 0 when password matches the Argon2id (or Argon2i) string hash, 1 when it does not, -1 when hash
 * is not such a string within our bounds (at most 1 GiB, 64 passes, one lane) or the memory
 * cannot be had. */
int vg_argon2_verify(enum vg_argon2_engine engine, const char *hash, const char *password);

#endif
