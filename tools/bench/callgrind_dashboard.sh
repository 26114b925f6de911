#!/usr/bin/env bash
# tools/bench/callgrind_dashboard.sh BASE_BUILD_DIR THIS_BUILD_DIR: instructions per /dashboard
# request of two verigate builds under callgrind, on one stack, two rounds in turn. Instruction
# counts are repeatable whatever else the machine does, so they resolve what wrk's CPU figures
# cannot (a change of 1-2 %). Each instance answers one warm-up request (token verified, caches
# filled), then callgrind counts N (default 1000) keep-alive requests of one curl.
set -uo pipefail
cd "$(dirname "$0")/../.."
BASE=${1:?base build dir}; THIS=${2:?this build dir}
source scripts/lib/setup.sh; source scripts/lib/stack.sh
vg_ensure_node_tools >/dev/null 2>&1
D=$PWD/.run/callgrind; rm -rf $D; mkdir -p $D
trap vg_stack_stop EXIT
vg_start_redis $D; vg_start_mongo $D cg; vg_start_emulator $D
vg_ensure_key $D/key.pem
export JWT_PRIVATE_KEY_FILE=$D/key.pem JWT_ISSUER=verigate JWT_AUDIENCE=verigate BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning
P=$(vg_free_port)
PORT=$P build/verigate >$D/vg.log 2>&1 & VG_PIDS+=($!)
vg_wait_port $P 30
U="http://127.0.0.1:$P"
curl -s $U/signup -H 'Content-Type: application/json' -d '{"name":"C G","username":"cguser","email":"cg@example.com","password":"correct horse battery","phone":"+14155552671"}' >/dev/null
MFA=$(curl -s $U/login -H 'Content-Type: application/json' -d '{"email":"cg@example.com","password":"correct horse battery"}' | sed 's/.*"mfa_token":"\([^"]*\)".*/\1/')
CODE=$(curl -s "$EMULATOR_URL/__emulator/verifications?to=%2B14155552671" | sed 's/.*"code":"\([0-9]*\)".*/\1/')
ACCESS=$(curl -s $U/verify -H "Authorization: Bearer $MFA" -H 'Content-Type: application/json' -d "{\"code\":\"$CODE\"}" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
[ ${#ACCESS} -gt 100 ] || { echo "no token"; exit 1; }
N=${N:-1000}
for round in 1 2; do
for b in "$BASE" "$THIS"; do
  P2=$(vg_free_port); U2="http://127.0.0.1:$P2"
  PORT=$P2 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$D/cg.${b//\//_}.$round.out $b/verigate >$D/cg.${b//\//_}.log 2>&1 & pid=$!; VG_PIDS+=($pid)
  vg_wait_port $P2 120
  curl -s -o /dev/null -H "Authorization: Bearer $ACCESS" $U2/dashboard  # warm: token verified, caches filled
  callgrind_control -i on $pid >/dev/null
  urls=(); for i in $(seq $N); do urls+=("$U2/dashboard"); done
  curl -s -H "Authorization: Bearer $ACCESS" "${urls[@]}" >/dev/null
  callgrind_control -i off $pid >/dev/null
  kill -TERM $pid; wait $pid 2>/dev/null
  ir=$(awk '/^totals:/ {print $2}' $D/cg.${b//\//_}.$round.out)
  echo "$b round $round: $ir Ir over $N requests = $((ir / N)) per request"
done
done
