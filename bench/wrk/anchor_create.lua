-- The anchor's create: the same booking-shaped row as (a), posted to the bare DRF ModelViewSet.
local common = require("common")
common.install()

function request()
  local c = common.cfg
  local slot = common.pick(c.slots)
  local email, phone = "", ""
  if math.random(2) == 1 then
    email, phone = common.letters(12) .. "@guest.example", common.phone()
  end
  local body = common.json_fields({
    common.str("restaurant_id", common.pick(c.restaurants).id),
    common.str("booking_date", common.pick(c.days)),
    common.str("start_time", slot[1]),
    common.num("party_size", math.random(1, 4)),
    common.str("customer_name", "Walk In " .. common.letters(8)),
    common.str("customer_email", email),
    common.str("customer_phone", phone),
    common.str("notes", ""),
    common.str("client_request_id", common.uuid4()),
  })
  return wrk.format("POST", "/bookings", {["Content-Type"] = "application/json"}, body)
end
