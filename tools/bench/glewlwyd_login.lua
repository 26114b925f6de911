-- glewlwyd_login.lua: scripts/bench --peer's password login to Glewlwyd, POST /api/auth/ as its
-- login page sends it. No cookie goes with it, so every login opens a new session (a row in its
-- SQLite database). VG_BENCH_PEER_PASSWORD gives the password (a wrong one for the hash's share).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"username":"admin","password":"%s"}',
  assert(os.getenv("VG_BENCH_PEER_PASSWORD"), "VG_BENCH_PEER_PASSWORD is not set"))

-- VG_BENCH_MAX: each thread stops after this many answers (unset: the run's length decides).
local max = tonumber(os.getenv("VG_BENCH_MAX") or "")
local answered = 0
function response()
  answered = answered + 1
  if max and answered >= max then wrk.thread:stop() end
end
