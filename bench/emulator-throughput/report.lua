-- Appended to every script: one machine-readable line with what bench.py needs.
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors,
    summary.errors.status))
end

-- Each wrk thread has its own Lua state: give each its own random sequence.
if init == nil then
  function init(args)
    math.randomseed(tonumber(tostring({}):match("0x(%x+)") or "1", 16) % 2147483647 + os.time())
  end
end
