-- The anchor's create: the same booking-shaped row as (a), posted to the bare DRF ModelViewSet.
local common = require("common")
common.install()

function request()
  return wrk.format("POST", "/bookings", {["Content-Type"] = "application/json"}, common.anchor_booking())
end
