#!/usr/bin/env bash
# docker/secrets.sh: writes the secrets docker/compose.yaml mounts into docker/secrets/, each only
# if it is missing (run it again after deleting one to make that one anew). Nothing here is
# committed (docker/.gitignore) or copied into an image (.dockerignore).
#
#   jwt_private_key.pem      RSA-2048 signing key of the access tokens (JWT_PRIVATE_KEY_FILE)
#   factor_encryption_key    32 random bytes in base64 that seal TOTP secrets and key the
#                            recovery-code hashes (FACTOR_ENCRYPTION_KEY_FILE); losing it loses
#                            every enrolled TOTP and recovery code
#   mongo_root_password      the MongoDB root user's, used once to create the verigate user
#   mongo_verigate_password  the verigate MongoDB user's (docker/mongo-init/ creates it)
#   mongodb_uri              MONGODB_URI with that user (MONGODB_URI_FILE)
#   redis_url                REDIS_URL with the verigate Redis user (REDIS_URL_FILE)
#   redis_users.acl          Redis ACL file: verigate's user (its password as a SHA-256 hash, the
#                            commands it sends, vg:* keys) and a default user that may only PING
#
# The images drop root before they read their secrets (mongo and redis run as uid 999, verigate
# as 10001), and Compose bind-mounts a file secret with its host owner and mode, so the files are
# world-readable inside a directory only root (or you) can enter. Under Swarm or Kubernetes, give
# each secret its uid and mode 0400 instead.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir"
chmod 700 "$dir"
umask 022

rand() { openssl rand -hex 32; }
made() { printf 'docker/secrets/%s\n' "$1"; }

if [ ! -s "$dir/jwt_private_key.pem" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/jwt_private_key.pem" 2>/dev/null
  chmod 644 "$dir/jwt_private_key.pem"
  made jwt_private_key.pem
fi
if [ ! -s "$dir/factor_encryption_key" ]; then
  openssl rand -base64 32 >"$dir/factor_encryption_key"
  made factor_encryption_key
fi
if [ ! -s "$dir/mongo_root_password" ]; then rand >"$dir/mongo_root_password"; made mongo_root_password; fi
if [ ! -s "$dir/mongo_verigate_password" ]; then
  rand >"$dir/mongo_verigate_password"
  rm -f "$dir/mongodb_uri"
  made mongo_verigate_password
fi
if [ ! -s "$dir/mongodb_uri" ]; then
  printf 'mongodb://verigate:%s@mongo:27017/verigate?authSource=verigate' \
    "$(cat "$dir/mongo_verigate_password")" >"$dir/mongodb_uri"
  made mongodb_uri
fi
if [ ! -s "$dir/redis_url" ] || [ ! -s "$dir/redis_users.acl" ]; then
  pw=$(rand)
  printf 'redis://verigate:%s@redis:6379/0' "$pw" >"$dir/redis_url"
  hash=$(printf '%s' "$pw" | sha256sum | cut -d' ' -f1)
  # The commands verigate sends itself (PING, SELECT, EVALSHA, EVAL, DEL, SET) and those its Lua
  # scripts call, which Redis 7 checks against the caller's ACL too; keys under vg: only.
  cat >"$dir/redis_users.acl" <<EOF
user default on nopass resetchannels -@all +ping
user verigate on #$hash resetchannels ~vg:* -@all +ping +select +evalsha +eval +del +set +get +exists +expire +ttl +incr +decr +hset +hget +hmget +hincrby +sadd +srem +smembers +srandmember
EOF
  made redis_url
  made redis_users.acl
fi
chmod 644 "$dir"/*
