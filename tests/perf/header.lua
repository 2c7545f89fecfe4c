-- wrk script: the summary line of summary.lua, plus an Authorization header from CAMPUS_PERF_AUTHORIZATION.
dofile("summary.lua")
local authorization = os.getenv("CAMPUS_PERF_AUTHORIZATION")
if authorization then
  wrk.headers["Authorization"] = authorization
end
