"""`manage.py seed_demo`: a demo restaurant, an owner and a host login, and today's bookings.

Idempotent: everything is found or created (nothing existing is overwritten) and each sample
booking has a fixed idempotency key for the day, so a second run replays instead of creating, and
changes nothing. Run it on another day and that day gets its own sample bookings.

Bookings go through the creation pipeline (`booking_create`) and the lifecycle services, exactly as
the API and the board would do it. The owner's override (reason "demo data") lets the sample fill a
whole day, including times already past and more guests than tables. With DEBUG off it refuses to
run unless given `--force` (DESIGN 12): its logins' passwords are published in the README.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bookings.models import Booking
from bookings.services import lifecycle
from bookings.services.creation import BookingRequest, Channel, booking_create
from config.errors import Conflict
from restaurants.models import Membership, OpeningHours, Restaurant, ServicePeriod, Table
from restaurants.services import groups_sync, membership_grant

S = Booking.Status
SLUG = "demo-kitchen"
LOGINS = (("owner", "tablekeeper-owner", Membership.Role.OWNER), ("host", "tablekeeper-host", Membership.Role.HOST))
TABLES = (  # name, section, min seats, max seats
    ("T1", "window", 1, 2),
    ("T2", "window", 1, 2),
    ("T3", "indoor", 2, 4),
    ("T4", "indoor", 2, 4),
    ("T5", "outdoor", 2, 4),
    ("T6", "indoor", 4, 6),
    ("B1", "bar", 1, 2),
    ("P1", "private", 4, 6),
)
PERIODS = (("lunch", dt.time(12), dt.time(15)), ("dinner", dt.time(17), dt.time(22)))

# One row per sample booking: start, party, how it came in, where it ends up today.
# Sources: web (guest online), phone, walk-in, walk-in-nocontact (a walk-in who gave no contact).
SAMPLE = (
    ("12:00", 2, "web", S.COMPLETED),
    ("12:00", 4, "phone", S.COMPLETED),
    ("12:15", 2, "walk-in", S.COMPLETED),
    ("12:30", 6, "web", S.CHECKED_IN),
    ("12:30", 2, "web", S.CANCELLED),
    ("12:45", 3, "phone", S.CHECKED_IN),
    ("13:00", 2, "walk-in-nocontact", S.CHECKED_IN),
    ("13:00", 4, "web", S.NO_SHOW),
    ("13:15", 2, "web", S.CONFIRMED),
    ("13:30", 2, "web", S.PENDING_ALLOCATION),
    ("13:30", 5, "phone", S.CONFIRMED),
    ("14:00", 2, "web", S.PENDING_ALLOCATION),
    ("17:00", 2, "web", S.CONFIRMED),
    ("17:00", 4, "web", S.CONFIRMED),
    ("17:15", 2, "walk-in", S.CHECKED_IN),
    ("17:30", 6, "phone", S.CONFIRMED),
    ("17:30", 2, "web", S.CONFIRMED),
    ("17:45", 3, "web", S.CONFIRMED),
    ("18:00", 2, "web", S.CONFIRMED),
    ("18:00", 4, "phone", S.CANCELLED),
    ("18:15", 2, "walk-in-nocontact", S.CONFIRMED),
    ("18:30", 2, "web", S.CONFIRMED),
    ("18:30", 8, "web", S.PENDING_ALLOCATION),
    ("18:45", 4, "web", S.PENDING_ALLOCATION),
    ("19:00", 2, "web", S.CONFIRMED),
    ("19:00", 2, "phone", S.NO_SHOW),
    ("19:15", 4, "web", S.PENDING_ALLOCATION),
    ("19:30", 2, "web", S.PENDING_ALLOCATION),
    ("19:30", 6, "web", S.PENDING_ALLOCATION),
    ("19:45", 2, "walk-in", S.CONFIRMED),
    ("20:00", 3, "web", S.PENDING_ALLOCATION),
    ("20:00", 2, "phone", S.PENDING_ALLOCATION),
)
GUESTS = (
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Tim Berners-Lee", "Margaret Hamilton", "Dennis Ritchie",
    "Barbara Liskov", "Ken Thompson", "Frances Allen", "Donald Knuth", "Radia Perlman", "Edsger Dijkstra",
    "Katherine Johnson", "John McCarthy", "Hedy Lamarr", "Claude Shannon", "Sophie Wilson", "Guido van Rossum",
    "Adele Goldberg", "Niklaus Wirth", "Karen Sparck Jones", "Bjarne Stroustrup", "Mary Kenneth Keller",
    "Linus Torvalds", "Shafi Goldwasser", "Leslie Lamport", "Joan Clarke", "Tony Hoare", "Annie Easley",
    "Robin Milner", "Evelyn Boyd Granville", "Peter Landin",
)  # fmt: skip
# What each target status needs after creation: a table (assigning it confirms), then these services.
STEPS = {
    S.PENDING_ALLOCATION: (False, ()),
    S.CONFIRMED: (True, ()),
    S.CHECKED_IN: (True, (lifecycle.booking_check_in,)),
    S.COMPLETED: (True, (lifecycle.booking_check_in, lifecycle.booking_check_out)),
    S.NO_SHOW: (True, (lifecycle.booking_mark_no_show,)),
    S.CANCELLED: (False, (lifecycle.booking_cancel,)),
}


class Command(BaseCommand):
    help = "Create the demo restaurant, an owner and a host login, and today's sample bookings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run with DEBUG off too (a staging or test rig): the demo logins have published passwords.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # DESIGN 12: the demo's logins and passwords are in the README; never on a real site by accident.
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo logins have published passwords. "
                "Refusing to seed; pass --force to seed anyway (a staging or test rig)."
            )
        with transaction.atomic():
            groups_sync()
            restaurant = self._restaurant()
            staff = {u: self._login(restaurant, u, password, role) for u, password, role in LOGINS}
            today = restaurant.today()
            created = sum(self._booking(restaurant, staff["owner"], today, i) for i in range(len(SAMPLE)))
            total = Booking.objects.filter(restaurant=restaurant, booking_date=today).count()
        # Printed after the commit, so the logins come after the sample notifications that the
        # commit sends (to the console with the embedded default) instead of scrolling away.

        self.stdout.write(self.style.SUCCESS(f"{restaurant.name} ({restaurant.slug}), {restaurant.timezone}"))
        self.stdout.write(f"Bookings for today {today.isoformat()}: {total} ({created} created by this run)")
        self.stdout.write("Logins (password shown is the one set when the user was first created):")
        for username, password, role in LOGINS:
            self.stdout.write(f"  {role:<6} username {username!r} password {password!r}")
        self.stdout.write("Ops board (admin): http://127.0.0.1:8000/admin/bookings/booking/")
        self.stdout.write("Admin:             http://127.0.0.1:8000/admin/")
        self.stdout.write("Walk-in form:      http://127.0.0.1:8000/ops/bookings/new")

    def _restaurant(self) -> Restaurant:
        restaurant, _ = Restaurant.objects.get_or_create(
            slug=SLUG,
            defaults={
                "name": "The Demo Kitchen",
                "timezone": "Europe/London",
                "country": "GB",
                "contact_email": "hello@demo-kitchen.example.com",
                "contact_phone": "+442079460000",
                "address": "1 Demo Street, London EC1A 1AA",
                "booking_policy": "Tables are held for 15 minutes. Parties over 8: please call us.",
            },
        )
        for weekday in range(7):
            OpeningHours.objects.get_or_create(
                restaurant=restaurant,
                weekday=weekday,
                date=None,
                defaults={"opens_at": dt.time(11), "closes_at": dt.time(23)},
            )
        for name, start, end in PERIODS:
            ServicePeriod.objects.get_or_create(
                restaurant=restaurant, name=name, weekday=None, defaults={"start_time": start, "end_time": end}
            )
        for name, section, min_seats, max_seats in TABLES:
            Table.objects.get_or_create(
                restaurant=restaurant,
                name=name,
                defaults={"section": section, "min_seats": min_seats, "max_seats": max_seats},
            )
        return restaurant

    def _login(self, restaurant: Restaurant, username: str, password: str, role: str):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@demo-kitchen.example.com"}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        membership_grant(user=user, restaurant=restaurant, role=role)
        return user

    def _booking(self, restaurant: Restaurant, owner, today: dt.date, index: int) -> bool:
        """Create sample booking `index` and take it to its status; False when it already existed."""
        start, party, how, target = SAMPLE[index]
        name = GUESTS[index]
        start_time = dt.time.fromisoformat(start)
        contactless = how == "walk-in-nocontact"
        web = how == "web"
        booking_request = BookingRequest(
            booking_date=today,
            start_time=start_time,
            party_size=party,
            booking_type=Booking.BookingType.LUNCH if start_time.hour < 16 else Booking.BookingType.DINNER,
            name=name,
            email="" if contactless else f"{name.lower().replace(' ', '.')}@example.com",
            phone="" if contactless else f"+44207946{index:04d}",
            marketing_opt_in=index % 3 == 0,
            override_reason="demo data",
            source=None if web else ("phone" if how == "phone" else "walk-in"),
        )
        result = booking_create(
            restaurant=restaurant,
            booking_request=booking_request,
            channel=Channel.CUSTOMER if web else Channel.OPS,
            actor=None if web else owner,
            may_override=True,
            idempotency_key=f"seed-demo:{today.isoformat()}:{index}",
        )
        if result.duplicate:
            return False
        needs_table, services = STEPS[target]
        if needs_table and not self._assign_a_table(result.booking, owner):
            return True  # the sample day is full at that time: the booking waits for a table
        for service in services:
            service(booking=result.booking, actor=owner)
        return True

    def _assign_a_table(self, booking: Booking, owner) -> bool:
        """Give the booking the smallest free table that seats the party."""
        tables = Table.objects.filter(restaurant=booking.restaurant, is_active=True, max_seats__gte=booking.party_size)
        for table in tables.order_by("max_seats", "name"):
            try:
                lifecycle.booking_assign_tables(booking=booking, table_ids=[table.pk], actor=owner)
            except Conflict:
                continue
            return True
        return False
