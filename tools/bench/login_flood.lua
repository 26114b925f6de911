-- login_flood.lua: POST /login as fast as the connections allow (256 of them in scripts/bench),
-- with the emails of VG_BENCH_USERS (id, email, phone, tab-separated) round-robin and a wrong
-- password: what a password-guessing attack sends. Each such login costs verigate one Argon2id
-- verify (401), or nothing much when its hash pool and queue are full (503); no SMS is ever sent.
-- Besides report.lua's line it prints the count of each status (VGSTATUS s401=... s503=...).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local requests, count, next_index = {}, 0, 0
statuses = {}

function init(args)
  local path = assert(os.getenv("VG_BENCH_USERS"), "VG_BENCH_USERS is not set")
  for line in io.lines(path) do
    local email = line:match("^[^\t]*\t([^\t]*)")
    if email then
      count = count + 1
      requests[count] = wrk.format("POST", "/login", { ["Content-Type"] = "application/json" },
        string.format('{"email":"%s","password":"not the password"}', email))
    end
  end
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local report_done = done
function done(summary, latency, requests)
  report_done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  io.write("VGSTATUS")
  for status, n in pairs(total) do
    io.write(string.format(" s%d=%d", status, n))
  end
  io.write("\n")
end
