-- (b) A replay: the same Idempotency-Key and body as a booking http.py created before the run (200).
local common = require("common")
common.install()

function request()
  local c = common.cfg
  return wrk.format("POST", "/api/ops/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. c.token,
    ["Idempotency-Key"] = c.replay.key,
  }, c.replay.body)
end
