-- wrk script for bench/bench_simulator.py: mirrors single_track_body in bench_simulator.py, so wrk
-- sends the same traffic as bench/loadgen.py does: single-event POSTs of JSON whose identity takes
-- turns over a pool of users (the rate limits stay on, and no identity comes near them).
--
-- Usage: wrk -t2 -c8 -d10s --latency -s bench/track.lua URL -- POOL THREADS
-- POOL is the number of identities (IDENTITY_POOL in bench_simulator.py) and THREADS the -t value;
-- each thread starts its turn at a different place in the pool, so threads do not send the same
-- sequence of identities.

local pool, threads = 20000, 1
local created = 0
local counter = 0
local headers = {["Content-Type"] = "application/json"}
-- tests/test_bench_smoke.py checks this line against single_track_body: keep it on one line.
local template = '{"app_id":"11","identity":"user-%d@example.com","event":"Signed Up","properties":{"plan":"pro","seats":3,"source":"bench"}}'

-- Runs in the main Lua state once per thread: number the threads so each can start elsewhere.
function setup(thread)
   thread:set("thread_id", created)
   created = created + 1
end

-- Runs in each thread's own Lua state: read the script arguments and this thread's start.
function init(args)
   pool = tonumber(args[1]) or pool
   threads = tonumber(args[2]) or threads
   counter = (thread_id or 0) * math.floor(pool / threads)
end

-- Called for every request: the next identity in this thread's turn, as single_track_body(counter).
function request()
   counter = counter + 1
   return wrk.format("POST", nil, headers, string.format(template, counter % pool))
end
