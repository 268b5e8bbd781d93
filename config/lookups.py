"""`__in` on an integer column leaves out the numbers the column cannot hold.

Django's exact and range lookups on integers already treat a number beyond the column's range as
matching nothing (`IntegerFieldOverflow`); its `__in` does not, and SQLite raises OverflowError on
such a number. Forms and the admin send what they are given to `pk__in` (a ModelMultipleChoiceField's
choices, the admin's selected rows), so a typed 99999999999999999999 was a 500 there. Registered for
every integer field when the project's app is ready (`config.apps`).
"""

from __future__ import annotations

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [value for value in self.rhs if not _outside(value, low, high)]
        return super().process_rhs(compiler, connection)


def _outside(value, low: int | None, high: int | None) -> bool:
    return isinstance(value, int) and ((low is not None and value < low) or (high is not None and value > high))


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
