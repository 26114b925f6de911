-- glewlwyd_read.lua: scripts/bench --peer's authenticated read from Glewlwyd, GET
-- /api/profile_list with one session cookie (VG_BENCH_PEER_COOKIE), as its profile page asks.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

wrk.method = "GET"
wrk.headers["Cookie"] = "GLEWLWYD2_SESSION_ID=" ..
  assert(os.getenv("VG_BENCH_PEER_COOKIE"), "VG_BENCH_PEER_COOKIE is not set")
