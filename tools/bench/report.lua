-- report.lua: loaded by every wrk script of scripts/bench (and used alone for /healthz). Prints
-- one line that scripts/bench reads: requests, rate, latency percentiles, and how many answers
-- were not 2xx/3xx or never came.
function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "VGBENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "non2xx=%d socket_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.status, e.connect + e.read + e.write,
    e.timeout))
end
