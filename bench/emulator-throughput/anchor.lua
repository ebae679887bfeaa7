-- The anchor: the unauthenticated cloud metadata GET of the same HTTPS listener.
function request()
  return wrk.format("GET", "/metadata/endpoints?api-version=2022-09-01")
end
