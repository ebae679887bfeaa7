-- Identity PATCH of one of the stored VMs (spread over them): the system-assigned identity on, with a
-- tag that changes, so every request is a real write.
local token = os.getenv("BENCH_TOKEN")
local base = os.getenv("BENCH_VM_BASE")
local count = tonumber(os.getenv("BENCH_VMS"))
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
local n = 0
function request()
  n = n + 1
  local body = '{"identity":{"type":"SystemAssigned"},"tags":{"n":"' .. n .. '"}}'
  return wrk.format("PATCH", base .. "vm" .. math.random(0, count - 1) .. "?api-version=2024-11-01", nil, body)
end
