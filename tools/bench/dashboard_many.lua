-- dashboard_many.lua: GET /dashboard with a different access token on each request, round-robin
-- over the file VG_BENCH_TOKENS (one token a line, 10,000 in scripts/bench). The requests are
-- formatted once per thread in init(), so wrk spends no more per request than with one token.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

local requests, count, next_index = {}, 0, 0
function init(args)
  local path = assert(os.getenv("VG_BENCH_TOKENS"), "VG_BENCH_TOKENS is not set")
  for line in io.lines(path) do
    count = count + 1
    requests[count] = wrk.format("GET", "/dashboard", { Authorization = "Bearer " .. line })
  end
  -- Threads start far apart in the list, so no two send the same token at the same moment.
  next_index = (thread_number or 0) * math.floor(count / 2)
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end
