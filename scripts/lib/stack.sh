# stack.sh: starts verigate's real dependencies (Redis, the MongoDB-compatible jongodb, the Twilio
# Verify emulator) and verigate itself on loopback, and stops everything it started. Sourced after
# setup.sh. Every process started here is recorded and killed by vg_stack_stop.

VG_PIDS=()

vg_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until something accepts TCP connections on 127.0.0.1:$1 (at most $2 seconds).
vg_wait_port() {
  local port=$1 limit=${2:-20} i
  for ((i = 0; i < limit * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Whether process $1 still runs (an exited child not yet reaped is a zombie: it does not).
vg_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the fields after the command name, which may hold spaces
  [[ $stat != Z* ]]
}

# Last started, first stopped: verigate goes before the services it closes its connections to.
vg_stack_stop() {
  local i pid
  for ((i = ${#VG_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${VG_PIDS[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do vg_alive "$pid" || break; sleep 0.2; done
    vg_alive "$pid" && kill -9 "$pid" 2>/dev/null
  done
  VG_PIDS=()
}

# vg_start_redis DIR: sets REDIS_URL.
vg_start_redis() {
  local dir=$1 port
  port=$(vg_free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    >"$dir/redis.log" 2>&1 &
  VG_PIDS+=($!)
  vg_wait_port "$port" 10 || vg_die "redis-server did not start (see $dir/redis.log)"
  export REDIS_URL="redis://127.0.0.1:$port/0"
  vg_log "redis-server on 127.0.0.1:$port"
}

# vg_start_mongo DIR DB: sets MONGODB_URI.
vg_start_mongo() {
  local dir=$1 db=$2 port
  port=$(vg_free_port)
  "$VG_JONGODB" --host=127.0.0.1 --port="$port" >"$dir/jongodb.log" 2>&1 &
  VG_PIDS+=($!)
  vg_wait_port "$port" 20 || vg_die "jongodb did not start (see $dir/jongodb.log)"
  export MONGODB_URI="mongodb://127.0.0.1:$port/$db"
  vg_log "jongodb (MongoDB-compatible) on 127.0.0.1:$port"
}

# vg_start_emulator DIR [PORT]: sets the TWILIO_* variables to the emulator's. Its output (the
# "SMS" with each code) goes to DIR/verify-emulator.log and, with VG_EMULATOR_TEE=1, the terminal.
vg_start_emulator() {
  local dir=$1 port=${2:-}
  [ -n "$port" ] || port=$(vg_free_port)
  export TWILIO_ACCOUNT_SID=ACdeadbeefdeadbeefdeadbeefdeadbeef
  export TWILIO_AUTH_TOKEN=emulator-dev-token
  export TWILIO_VERIFY_SERVICE_SID=VAdeadbeefdeadbeefdeadbeefdeadbeef
  local args=(--port "$port" --account-sid "$TWILIO_ACCOUNT_SID" --auth-token "$TWILIO_AUTH_TOKEN"
              --service-sid "$TWILIO_VERIFY_SERVICE_SID")
  if [ "${VG_EMULATOR_TEE:-0}" = 1 ]; then
    "$VG_ROOT/build/verify-emulator" "${args[@]}" > >(tee -a "$dir/verify-emulator.log") 2>&1 &
  else
    "$VG_ROOT/build/verify-emulator" "${args[@]}" >"$dir/verify-emulator.log" 2>&1 &
  fi
  VG_PIDS+=($!)
  vg_wait_port "$port" 10 || vg_die "verify-emulator did not start (see $dir/verify-emulator.log)"
  export TWILIO_VERIFY_BASE_URL="http://127.0.0.1:$port"
  export EMULATOR_URL="$TWILIO_VERIFY_BASE_URL"
  vg_log "Twilio Verify emulator on $TWILIO_VERIFY_BASE_URL"
}

# vg_factor_key: a random FACTOR_ENCRYPTION_KEY (32 bytes, base64), for a stack of one run.
vg_factor_key() {
  openssl rand -base64 32 || vg_die "openssl could not generate a factor key"
}

# vg_ensure_key FILE: an RSA signing key that survives restarts of the dev stack.
vg_ensure_key() {
  [ -s "$1" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ||
    vg_die "openssl could not generate $1"
  chmod 600 "$1"
}
