-- wrk script for bench/http/run.  The environment chooses each request's
-- path and Idempotency-Key:
--
--   BENCH_MODE=plain   POST /plain (or BENCH_PLAIN_PATH), no key
--   BENCH_PATH         the path of the other modes (/idem; the peers
--                      server's /peer-a and /peer-b)
--   BENCH_MODE=fresh   POST /idem, a new key per request: BENCH_PREFIX, the
--                      thread's number and the thread's request count
--                      ("PREFIX1-1", "PREFIX1-2", ... "PREFIX2-1", ...);
--                      the runner makes BENCH_PREFIX unique per wrk run
--   BENCH_MODE=cycle   POST /idem with the keys of the file BENCH_KEYS (one a
--                      line), thread t of BENCH_THREADS taking lines t,
--                      t + BENCH_THREADS, ... over and over
--   BENCH_MODE=once    the same, each line once; a thread that has used up
--                      its lines sends new keys ("PREFIXt-n-exhausted") that
--                      the runner's check finds, and done() reports it
--
-- Thread numbers are given by setup() as globals of each thread's state
-- (thread:set), read by request() as globals: a local of the same name
-- would hide them.
local mode = os.getenv("BENCH_MODE") or "plain"
local prefix = os.getenv("BENCH_PREFIX") or ""
local path = os.getenv("BENCH_PATH") or "/idem"
local plain_path = os.getenv("BENCH_PLAIN_PATH") or "/plain"
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local body = '{"payload":"bench"}'
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local keys = {}
counter = 0
short = 0

function init(args)
   if mode == "cycle" or mode == "once" then
      local f = assert(io.open(os.getenv("BENCH_KEYS"), "r"))
      local i = 0
      for line in f:lines() do
         if i % nthreads == tid - 1 then
            keys[#keys + 1] = line
         end
         i = i + 1
      end
      f:close()
      assert(#keys > 0, "bench.lua: no keys for thread " .. tid)
   end
end

function request()
   local headers = { ["Content-Type"] = "application/json" }
   if mode == "plain" then
      return wrk.format("POST", plain_path, headers, body)
   end
   counter = counter + 1
   if mode == "fresh" then
      headers["Idempotency-Key"] = prefix .. tid .. "-" .. counter
   elseif mode == "cycle" then
      headers["Idempotency-Key"] = keys[(counter - 1) % #keys + 1]
   elseif counter <= #keys then
      headers["Idempotency-Key"] = keys[counter]
   else
      short = short + 1
      headers["Idempotency-Key"] = prefix .. tid .. "-" .. counter .. "-exhausted"
   end
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   for _, t in ipairs(threads) do
      local n = t:get("short")
      if n and n > 0 then
         io.write(string.format("exhausted: thread %d sent %d requests past its %d keys\n",
            t:get("tid"), n, t:get("counter") - n))
      end
   end
end
