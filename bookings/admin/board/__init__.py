"""The ops board (DESIGN 7) behind the Booking changelist: what it shows and what its buttons do.

- `state`: which restaurant and day the board shows, offered as list filters.
- `actions`: the table of lifecycle actions (`BOARD_ACTIONS`), their forms and the bulk actions.
- `views`: the mixin that gives `BookingAdmin` the action pages and the bulk runner.

`bookings.admin.bookings.BookingAdmin` puts them on screen.
"""
