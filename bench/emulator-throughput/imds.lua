-- IMDS token requests for ARM, spread over the stored VMs (their vmIds, one a line, in BENCH_VMIDS).
local ids = {}
for line in io.lines(os.getenv("BENCH_VMIDS")) do ids[#ids + 1] = line end
wrk.headers["Metadata"] = "true"
function request()
  local id = ids[math.random(1, #ids)]
  return wrk.format("GET", "/vm/" .. id ..
    "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F")
end
