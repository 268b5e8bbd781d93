-- GET a random path of one of the config's lists (the third script argument names it):
-- (d) ops_list: today's ops list, a page of 50, with the staff token;
-- (e) availability: today's availability for a party of 2, anonymous;
-- anchor_list: the anchor's list of 50 rows of today (the baseline of (d) and (e)).
local common = require("common")
common.install()

function request()
  local list = common.cfg.lists[common.name]
  return wrk.format("GET", common.pick(list.paths), list.headers)
end
