-- dashboard_one.lua: GET /dashboard with one access token on every request, as a single-page app
-- does for the token's whole life. The token comes from VG_BENCH_TOKEN.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

wrk.method = "GET"
wrk.path = "/dashboard"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("VG_BENCH_TOKEN"), "VG_BENCH_TOKEN is not set")
