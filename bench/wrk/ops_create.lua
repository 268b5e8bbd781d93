-- (a) The ops walk-in create: POST /api/ops/bookings with the staff token and a fresh Idempotency-Key,
-- a random restaurant, a random day of the booking window, a random slot of the grid inside the
-- opening hours and service periods; half the requests give neither email nor phone.
local common = require("common")
common.install()

function request()
  local c = common.cfg
  local slot = common.pick(c.slots)
  local fields = {
    common.str("restaurantId", common.pick(c.restaurants).id),
    common.str("date", common.pick(c.days)),
    common.str("time", slot[1]),
    common.num("party", math.random(1, 4)),
    common.str("bookingType", slot[2]),
    common.str("seating", "any"),
    common.str("name", "Walk In " .. common.letters(8)),
  }
  if math.random(2) == 1 then
    table.insert(fields, common.str("email", common.letters(12) .. "@guest.example"))
    table.insert(fields, common.str("phone", common.phone()))
  end
  return wrk.format("POST", "/api/ops/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. c.token,
    ["Idempotency-Key"] = common.uuid4(),
  }, common.json_fields(fields))
end
