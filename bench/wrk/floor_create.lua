-- (f) and (g)'s base: the floor (bench/anchor/floor.py): the anchor's row, posted with a token and a fresh
-- Idempotency-Key to the endpoint that adds only what the fixed rules require of a create.
local common = require("common")
common.install()

function request()
  return wrk.format("POST", "/floor-bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. common.cfg.floor_token,
    ["Idempotency-Key"] = common.uuid4(),
  }, common.anchor_booking())
end
