"""Template tags of the ops board: each result row's anchor and flags (`bookings.admin.board.rows`).

The admin renders a changelist row as a list of cells, without the object; the board's row template
(`admin/bookings/booking/change_list_results.html`) asks for the booking of each row by its index in
`cl.result_list`, the page's bookings in display order.
"""

from __future__ import annotations

from django import template

from bookings.admin.board.rows import Row, board_row
from bookings.admin.board.state import board_for

register = template.Library()


@register.simple_tag(takes_context=True)
def board_row_for(context, index: int) -> Row | None:
    cl = context.get("cl")
    request = getattr(context, "request", None)
    if cl is None or request is None or index >= len(cl.result_list):
        return None
    return board_row(cl.result_list[index], today=board_for(request).today)
