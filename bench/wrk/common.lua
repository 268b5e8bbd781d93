-- Shared by the scenario scripts of bench/http.py (found through LUA_PATH, which http.py sets).
--
-- Every script is run as `wrk ... -s SCRIPT URL -- CONFIG LIMIT [NAME]`:
--   CONFIG  a Lua file written by http.py returning the run's data (restaurants, days, slots, token...)
--   LIMIT   responses per thread after which the thread stops (0: none; http.py's memory phase)
--   NAME    which list of paths get.lua requests
-- Each thread counts responses by status; done() prints one line, "BENCH_JSON {...}", that http.py
-- reads: requests, duration, latency percentiles and slices (microseconds), socket errors, statuses.
local M = {}

local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function M.init(args)
  M.cfg = dofile(args[1])
  limit = tonumber(args[2] or "0") or 0
  M.name = args[3]
  responses, non2xx, statuses = 0, 0, {}
  -- thread_id was set by setup() before init() runs in this thread's Lua state.
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919 + math.floor(os.clock() * 1000000) % 1000)
  for _ = 1, 10 do math.random() end
end

function M.response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  statuses[status] = (statuses[status] or 0) + 1
  if limit > 0 and responses == limit then
    io.stderr:write("BENCH_LIMIT\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end

function M.done(summary, latency, requests)
  local codes, total_non2xx, parts = {}, 0, {}
  for _, thread in ipairs(threads) do
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
    for code, count in pairs(thread:get("statuses") or {}) do
      codes[code] = (codes[code] or 0) + count
    end
  end
  for code, count in pairs(codes) do table.insert(parts, string.format('"%d":%d', code, count)) end
  -- The latency distribution as 100 slices of 1% (each by its upper bound: the 1st ... 100th
  -- percentile), so http.py can merge the runs of one scenario into one distribution.
  local slices = {}
  for i = 1, 100 do table.insert(slices, string.format("%d", latency:percentile(i))) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non2xx":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":{%s},"slices_us":[%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    total_non2xx, e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","),
    table.concat(slices, ",")))
end

-- Installs setup/init/response/done as the script's globals (wrk looks them up by name).
function M.install()
  setup, init, response, done = M.setup, M.init, M.response, M.done
end

function M.pick(list)
  return list[math.random(#list)]
end

local HEX = "0123456789abcdef"
local LETTERS = "abcdefghijklmnopqrstuvwxyz"

local function chars(alphabet, n)
  local out = {}
  for i = 1, n do
    local k = math.random(#alphabet)
    out[i] = alphabet:sub(k, k)
  end
  return table.concat(out)
end

function M.letters(n) return chars(LETTERS, n) end
function M.digits(n) return chars("0123456789", n) end

-- A random version 4 UUID.
function M.uuid4()
  local h = chars(HEX, 32)
  local v = math.random(4)
  local variant = ("89ab"):sub(v, v)
  return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-" .. variant .. h:sub(18, 20) ..
    "-" .. h:sub(21, 32)
end

-- A valid UK mobile number nobody in the seeded history has (theirs start +4477 and +4478; the
-- +44791 range is partly unallocated, so it is left out).
function M.phone() return "+4479" .. math.random(2, 9) .. M.digits(7) end

function M.json_fields(fields)
  return "{" .. table.concat(fields, ",") .. "}"
end

function M.str(key, value) return string.format('"%s":"%s"', key, value) end
function M.num(key, value) return string.format('"%s":%d', key, value) end

-- The anchor's booking-shaped row (anchor_create.lua and floor_create.lua post it): a random
-- restaurant, day and slot, party 1-4, and for half the requests neither email nor phone.
function M.anchor_booking()
  local c = M.cfg
  local slot = M.pick(c.slots)
  local email, phone = "", ""
  if math.random(2) == 1 then
    email, phone = M.letters(12) .. "@guest.example", M.phone()
  end
  return M.json_fields({
    M.str("restaurant_id", M.pick(c.restaurants).id),
    M.str("booking_date", M.pick(c.days)),
    M.str("start_time", slot[1]),
    M.num("party_size", math.random(1, 4)),
    M.str("customer_name", "Walk In " .. M.letters(8)),
    M.str("customer_email", email),
    M.str("customer_phone", phone),
    M.str("notes", ""),
    M.str("client_request_id", M.uuid4()),
  })
end

return M
