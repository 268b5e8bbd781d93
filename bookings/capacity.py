"""Table capacity (DESIGN 5.5, 3, 11): where overlapping bookings sit, and what is left for a party.

The rule, one home for the validator, availability and auto-allocation: every overlapping active
booking keeps its assigned tables; an unassigned one takes the smallest free single table that
seats it, else the smallest free table group (largest parties placed first); a party fits when a
single table or a group is still free for it afterwards. A group is free when every table in it
is free; a table or a group "seats" a party when min_seats <= party <= max_seats.

`bookings.snapshot` reads it all in one query (the active tables, the table groups' members and
the bookings overlapping a window with their unreleased assignments); the rest is arithmetic in
memory, so availability asks about every slot of a day for the cost of one read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bookings.snapshot import Row


@dataclass(frozen=True)
class Seat:
    """A single table or a table group: what a party can be given."""

    table_ids: frozenset[int]
    min_seats: int
    max_seats: int
    group_id: int | None = None

    def seats(self, party: int) -> bool:
        return self.min_seats <= party <= self.max_seats

    def size(self) -> tuple[int, int, int]:
        return (self.max_seats, self.min_seats, min(self.table_ids))


@dataclass(frozen=True)
class Occupant:
    booking_id: uuid.UUID
    start_at: dt.datetime
    end_at: dt.datetime
    party: int
    table_ids: frozenset[int]

    def overlaps(self, start_at: dt.datetime, end_at: dt.datetime) -> bool:
        return self.start_at < end_at and self.end_at > start_at


@dataclass
class Floor:
    """The restaurant's active tables and groups, and the active bookings overlapping a window."""

    tables: list[Seat] = field(default_factory=list)
    groups: list[Seat] = field(default_factory=list)
    occupants: list[Occupant] = field(default_factory=list)

    def free_table_ids(
        self,
        start_at: dt.datetime,
        end_at: dt.datetime,
        *,
        exclude: uuid.UUID | None = None,
        ignore: Collection[uuid.UUID] = (),
    ) -> set[int]:
        """Tables nobody overlapping [start_at, end_at) holds or would be given (see the module).

        `exclude`: the booking asking (it does not compete with itself); `ignore`: bookings that do
        not compete with it either (auto-allocation: the requests that came after it).
        """
        overlapping = [
            o
            for o in self.occupants
            if o.booking_id != exclude and o.booking_id not in ignore and o.overlaps(start_at, end_at)
        ]
        free = {table_id for seat in self.tables for table_id in seat.table_ids}
        for occupant in overlapping:
            free -= occupant.table_ids
        for occupant in sorted((o for o in overlapping if not o.table_ids), key=lambda o: o.party, reverse=True):
            if seat := self.best_seat(free, occupant.party):
                free -= seat.table_ids
        return free

    def best_seat(self, free: set[int], party: int) -> Seat | None:
        """The smallest free single table that seats `party`, else the smallest free group."""
        for choices in (self.tables, self.groups):
            fitting = [seat for seat in choices if seat.seats(party) and seat.table_ids <= free]
            if fitting:
                return min(fitting, key=Seat.size)
        return None

    def fits(self, start_at: dt.datetime, end_at: dt.datetime, party: int, *, exclude: uuid.UUID | None = None) -> bool:
        return self.best_seat(self.free_table_ids(start_at, end_at, exclude=exclude), party) is not None

    def seats_for(
        self, start_at: dt.datetime, end_at: dt.datetime, party: int, *, exclude: uuid.UUID | None = None
    ) -> list[Seat]:
        """Every free table and group that seats `party`, best fit first (singles, then groups)."""
        free = self.free_table_ids(start_at, end_at, exclude=exclude)
        return [
            seat
            for choices in (self.tables, self.groups)
            for seat in sorted(choices, key=Seat.size)
            if seat.seats(party) and seat.table_ids <= free
        ]


def floor_from_rows(rows: Iterable[Row]) -> Floor:
    """The floor from a snapshot's rows (`bookings.snapshot`): tables, group members, bookings."""
    active: dict[int, Seat] = {}
    groups: dict[int, tuple[set[int], int, int]] = {}
    held: dict[uuid.UUID, tuple[dt.datetime, dt.datetime, int, set[int]]] = {}
    for row in rows:
        if row.tag == "table":
            active[row.int_a] = Seat(frozenset({row.int_a}), row.int_b, row.int_c)
        elif row.tag == "group":
            groups.setdefault(row.int_d, (set(), row.int_b, row.int_c))[0].add(row.int_a)
        elif row.tag == "booking":
            occupant = held.setdefault(row.uuid, (row.instant_a, row.instant_b, row.int_c, set()))
            if row.int_a is not None:
                occupant[3].add(row.int_a)
    return Floor(
        tables=list(active.values()),
        # A group with an inactive table (or fewer than two tables) cannot be given to anyone.
        groups=[
            Seat(frozenset(ids), low, high, group_id)
            for group_id, (ids, low, high) in groups.items()
            if len(ids) >= 2 and ids <= active.keys()
        ],
        occupants=[
            Occupant(booking_id, start, end, party, frozenset(ids))
            for booking_id, (start, end, party, ids) in held.items()
        ],
    )
