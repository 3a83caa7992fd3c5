-- wrk script for bench/api_load.sh: POST or GET /api/v1/lotteries with bearer tokens.
--
--   wrk -t32 -c32 -d23s --timeout 10s -s bench/lua/lotteries.lua URL -- MODE TOKENS WINDOW
--
-- Run it with as many threads as connections (-t = -c): each thread then has one connection
-- and one request outstanding at a time, so it times every request itself.
--
-- MODE    "post": every request plays a ballot of 5 random distinct numbers (1..50) with the
--                 next token of the list (round robin, each thread from its own offset);
--         "get":  every request lists the first page of the (single) token's ballots.
--         "hello": GET /api/bench/hello (ninja's hello world, served only with BENCH_HELLO=1).
--         "ticket": every request plays a ticket of LINES lines (POST /api/v1/tickets, every
--                 other line a quick pick) with the next token, as "post" does.
-- TOKENS  a Lua file returning a table of access tokens (written by bench/_load_setup.py).
-- LINES   lines per ticket ["10"], "ticket" mode only.
-- WINDOW  seconds during which the measured requests are sent, from each thread's first
--         request. After it, each connection only sends GET /healthz every 100 ms until wrk's
--         -d ends; those answers are not counted. The measured requests in flight then finish
--         within -d, so the 201s counted here are exactly the ballots the server wrote (run
--         wrk with -d a few seconds longer than WINDOW). Holding the connections idle instead
--         does not work against gunicorn's sync workers: wrk reconnects after every answer,
--         each worker blocks reading a request from a connection that sends none, and the
--         requests queued behind it were answered after wrk had gone (rows without a 201).
--
-- Counted: the status of every measured answer and its latency (request written to answer
-- read); done() (in the main Lua state) gathers every thread's counts and latencies and
-- prints one line "BENCH_JSON {...}" for the harness to parse.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec_t;
  int clock_gettime(int clk_id, bench_timespec_t *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec_t")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- ---------------------------------------------------------------- setup (main state)
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

-- ---------------------------------------------------------------- running (per thread)
function init(args)
  mode = args[1] or "post"
  tokens = dofile(args[2])
  window = tonumber(args[3] or "20")
  lines = tonumber(args[4] or "10")
  statuses = {}
  latencies = {}
  window_start = nil
  window_end = nil
  last_response = 0
  sent_at = nil
  measured = false
  math.randomseed(os.time() * 1000 + (thread_id or 1) * 7919)
  -- each thread starts at its own offset of the token list, so two threads rarely play
  -- the same player at the same moment (the app serialises one player's ballots)
  local n = #tokens
  next_token = ((thread_id or 1) - 1) * 997 % n + 1
  pool = {}
  for i = 1, 50 do pool[i] = i end
  if mode == "hello" then  -- the framework's floor: bench/api_ab.sh serves it with BENCH_HELLO=1
    get_request = wrk.format("GET", "/api/bench/hello", {["Accept"] = "application/json"})
  elseif mode == "get" then
    get_request = wrk.format("GET", "/api/v1/lotteries", {
      ["Authorization"] = "Bearer " .. tokens[1],
      ["Accept"] = "application/json",
    })
  end
  probe_request = wrk.format("GET", "/healthz")
end

function delay()
  local t = now()
  if window_end == nil then
    window_start = t
    window_end = t + window
  end
  if t >= window_end then
    return 100 -- a probe every 100 ms keeps the workers turning until wrk's -d ends
  end
  return 0
end

local function numbers_json()
  -- partial Fisher-Yates: 5 distinct numbers out of 1..50
  for i = 1, 5 do
    local j = math.random(i, 50)
    pool[i], pool[j] = pool[j], pool[i]
  end
  return string.format('{"numbers": [%d, %d, %d, %d, %d]}', pool[1], pool[2], pool[3], pool[4], pool[5])
end

local function ticket_json()
  local parts = {}
  for line = 1, lines do
    if line % 2 == 0 then
      parts[line] = '{"quick_pick": true}'
    else
      parts[line] = numbers_json()
    end
  end
  return '{"lines": [' .. table.concat(parts, ", ") .. ']}'
end

function request()
  sent_at = now()
  measured = window_end == nil or sent_at < window_end
  if not measured then
    return probe_request
  end
  if mode == "get" or mode == "hello" then
    return get_request
  end
  local token = tokens[next_token]
  next_token = next_token % #tokens + 1
  if mode == "ticket" then
    return wrk.format("POST", "/api/v1/tickets", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
    }, ticket_json())
  end
  return wrk.format("POST", "/api/v1/lotteries", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }, numbers_json())
end

function response(status, headers, body)
  if not measured then
    return
  end
  local t = now()
  statuses[status] = (statuses[status] or 0) + 1
  latencies[#latencies + 1] = math.floor((t - sent_at) * 1e6)
  last_response = t
  measured = false
end

-- ---------------------------------------------------------------- done (main state)
function done(summary, latency, requests)
  local total, all = {}, {}
  local counted = 0
  local first_start, last_end = nil, 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
      counted = counted + n
    end
    for _, us in ipairs(thread:get("latencies") or {}) do
      all[#all + 1] = us
    end
    local s = thread:get("window_start")
    local e = thread:get("last_response") or 0
    if s and (first_start == nil or s < first_start) then first_start = s end
    if e > last_end then last_end = e end
  end
  table.sort(all)
  local function percentile(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p / 100))]
  end
  local sum = 0
  for _, us in ipairs(all) do sum = sum + us end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local active = 0
  if first_start then active = last_end - first_start end
  -- socket errors are wrk's (measured requests and probes alike); statuses and latencies
  -- are the measured requests' only
  print(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "active_s": %.4f, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "mean": %.1f, "max": %d}}',
    counted, summary.duration, active, table.concat(parts, ", "),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    percentile(50), percentile(90), percentile(99), percentile(99.9),
    #all > 0 and sum / #all or 0, all[#all] or 0))
end
