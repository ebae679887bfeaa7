-- GET of one of the stored VMs (spread over them), as the admin principal.
local token = os.getenv("BENCH_TOKEN")
local base = os.getenv("BENCH_VM_BASE")
local count = tonumber(os.getenv("BENCH_VMS"))
wrk.headers["Authorization"] = "Bearer " .. token
function request()
  return wrk.format("GET", base .. "vm" .. math.random(0, count - 1) .. "?api-version=2024-11-01")
end
