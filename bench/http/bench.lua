-- wrk script for bench/http/run: BENCH_CASE (plain, fresh or replay) in
-- the environment chooses the path and the Idempotency-Key of each request
local case = os.getenv("BENCH_CASE") or "plain"
local body = '{"payload":"bench"}'
local counter = 0
local threads = 0
local tid = 0
local run = os.getenv("BENCH_RUN") or tostring(os.time())

function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   counter = 0
end

function request()
   counter = counter + 1
   local headers = { ["Content-Type"] = "application/json" }
   if case == "plain" then
      return wrk.format("POST", "/plain", headers, body)
   end
   if case == "fresh" then
      headers["Idempotency-Key"] = "f-" .. run .. "-" .. tid .. "-" .. counter
   else
      headers["Idempotency-Key"] = "r-" .. run .. "-" .. tid
   end
   return wrk.format("POST", "/idem", headers, body)
end
