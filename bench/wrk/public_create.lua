-- (c) The public (guest) create: POST /api/bookings, anonymous, a fresh email (so the per-email
-- limit never bites) and phone, a fresh Idempotency-Key, random restaurant, day and slot.
local common = require("common")
common.install()

function request()
  local c = common.cfg
  local slot = common.pick(c.slots)
  local body = common.json_fields({
    common.str("restaurantSlug", common.pick(c.restaurants).slug),
    common.str("date", common.pick(c.days)),
    common.str("time", slot[1]),
    common.num("party", math.random(1, 4)),
    common.str("bookingType", slot[2]),
    common.str("seating", "any"),
    common.str("name", "Guest " .. common.letters(8)),
    common.str("email", common.letters(12) .. "@guest.example"),
    common.str("phone", common.phone()),
    '"marketingOptIn":false',
  })
  return wrk.format("POST", "/api/bookings", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = common.uuid4(),
  }, body)
end
