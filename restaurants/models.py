import uuid
import zoneinfo
from datetime import date

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

# Upper bounds of the clock's settings (DESIGN 11): a job looks back over a bounded window.
MAX_ATTENTION_MINUTES = 24 * 60
MAX_WAIT_HOURS = 7 * 24
# The longest a party may stay (a turn time): bookings.schedule reads overlapping bookings this far.
MAX_TURN_MINUTES = 6 * 60


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA timezone.")


def validate_country(value: str) -> None:
    """A region the phone-number library knows: every national-format phone is parsed with it."""
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"{value!r} is not a country code we can read phone numbers for (e.g. GB, US, FR).")


def _minutes(help_text: str, default: int, maximum: int | None = None) -> models.PositiveSmallIntegerField:
    validators = [MaxValueValidator(maximum)] if maximum else []
    return models.PositiveSmallIntegerField(
        default=default, db_default=default, validators=validators, help_text=help_text
    )


class Restaurant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True, help_text="Lowercase-kebab, used in URLs.")
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    country = models.CharField(
        max_length=2,
        default="GB",
        validators=[validate_country],
        help_text="ISO 3166 alpha-2; the region for parsing phones.",
    )
    contact_email = models.EmailField(blank=True, help_text="Blank means none.")
    contact_phone = models.CharField(max_length=32, blank=True, help_text="Blank means none.")
    address = models.TextField(blank=True)
    booking_policy = models.TextField(blank=True)
    reservation_interval_minutes = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(5)])
    last_seating_buffer_minutes = models.PositiveSmallIntegerField(default=120)
    is_active = models.BooleanField(default=True)

    # Columns added after the first release carry a database default as well (`db_default`): the
    # previous release's code, still serving while `migrate` runs, inserts rows without them
    # (docs/operations.md, "Upgrading"; tests/test_migrations.py).

    # What guests may book on their own (DESIGN 10); staff are not bound by these.
    booking_window_days = models.PositiveSmallIntegerField(
        default=90,
        db_default=90,
        validators=[MinValueValidator(1)],
        help_text="How many days ahead guests may book online.",
    )
    min_notice_minutes = _minutes("How long before the start guests may still book online.", 60)
    max_online_party = models.PositiveSmallIntegerField(
        default=8,
        db_default=8,
        validators=[MinValueValidator(1)],
        help_text="Larger parties are asked to call the restaurant instead of booking online.",
    )
    guest_change_cutoff_minutes = _minutes("Guests may change or cancel online until this long before the start.", 120)

    # The clock (DESIGN 11).
    auto_allocate = models.BooleanField(
        default=True, db_default=True, help_text="Give a new request the best free table at once, which confirms it."
    )
    pending_attention_minutes = _minutes(
        "Email the restaurant when an online request is still waiting after this long.", 30, MAX_ATTENTION_MINUTES
    )
    request_expiry_hours = models.PositiveSmallIntegerField(
        default=24,
        db_default=24,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WAIT_HOURS)],
        help_text="Decline an online request still waiting after this long (or an hour before its start).",
    )
    reminders_enabled = models.BooleanField(
        default=True, db_default=True, help_text="Remind guests 24 hours and 2 hours before."
    )
    auto_no_show = models.BooleanField(
        default=True,
        db_default=True,
        help_text="At the end of the day, mark confirmed guests who never came as no-shows.",
    )
    review_request_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=3,
        db_default=3,
        validators=[MaxValueValidator(MAX_WAIT_HOURS)],
        help_text="Ask for a review this many hours after the visit (blank: never).",
    )
    review_url = models.URLField(
        blank=True, db_default="", help_text="Where guests leave a review; no review requests without it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                name="restaurant_slug_kebab",
                violation_error_message="The slug is lowercase letters and digits joined by single hyphens.",
            ),
            # The slot grid and durations divide by and add these: a zero would break every booking.
            models.CheckConstraint(
                condition=Q(reservation_interval_minutes__gte=5),
                name="restaurant_interval_positive",
                violation_error_message="Bookings start every 5 minutes or more.",
            ),
            models.CheckConstraint(
                condition=Q(booking_window_days__gte=1, max_online_party__gte=1, request_expiry_hours__gte=1),
                name="restaurant_online_limits_positive",
                violation_error_message=(
                    "The booking window, the largest online party and the request expiry are each at least 1."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self) -> date:
        """The restaurant's service day: today's date in its own timezone."""
        return timezone.now().astimezone(self.tz).date()


WEEKDAYS = list(enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]))


class OpeningHours(models.Model):
    """A weekday row (weekday set) or a dated override (date set); a dated row wins."""

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, choices=WEEKDAYS)
    date = models.DateField(null=True, blank=True, help_text="A dated override wins over the weekday.")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "opening hours"
        ordering = ["restaurant", "date", "weekday"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(weekday__isnull=False, date__isnull=True) | Q(weekday__isnull=True, date__isnull=False)),
                name="opening_hours_weekday_xor_date",
                violation_error_message="Give either a weekday or a date for each row of opening hours, not both.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__gte=0, weekday__lte=6),
                name="opening_hours_weekday_range",
                violation_error_message="The weekday is one of Monday to Sunday.",
            ),
            models.CheckConstraint(
                condition=Q(is_closed=True) | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="opening_hours_open_has_times",
                violation_error_message="An open day needs an opening and a closing time (or tick “is closed”).",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "weekday"],
                condition=Q(date__isnull=True),
                name="opening_hours_one_per_weekday",
                violation_error_message="That weekday already has opening hours.",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "date"],
                condition=Q(date__isnull=False),
                name="opening_hours_one_per_date",
                violation_error_message="That date already has opening hours.",
            ),
        ]

    def __str__(self) -> str:
        when = self.date.isoformat() if self.date else self.get_weekday_display()
        if self.is_closed:
            return f"{when}: closed"
        if self.opens_at is None or self.closes_at is None:  # a row the form refuses, named in its error
            return f"{when}: times not set"
        return f"{when}: {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class ServicePeriod(models.Model):
    class Name(models.TextChoices):
        BREAKFAST = "breakfast"
        LUNCH = "lunch"
        DINNER = "dinner"
        DRINKS = "drinks"

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="service_periods")
    name = models.CharField(max_length=16, choices=Name.choices)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, choices=WEEKDAYS, help_text="Blank: every day.")
    start_time = models.TimeField()
    end_time = models.TimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["restaurant", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")),
                name="service_period_start_before_end",
                violation_error_message="A service period ends after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Table(models.Model):
    class Section(models.TextChoices):
        INDOOR = "indoor"
        OUTDOOR = "outdoor"
        BAR = "bar"
        WINDOW = "window"
        PRIVATE = "private"

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=40)
    section = models.CharField(max_length=16, choices=Section.choices, default=Section.INDOOR)
    min_seats = models.PositiveSmallIntegerField(default=1)
    max_seats = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["restaurant", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant", "name"],
                name="table_name_unique_per_restaurant",
                violation_error_message="This restaurant already has a table with that name.",
            ),
            models.CheckConstraint(
                condition=Q(min_seats__gte=1) & Q(max_seats__gte=models.F("min_seats")),
                name="table_seats_valid",
                violation_error_message="A table seats at least 1, and its maximum is at least its minimum.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.min_seats}-{self.max_seats})"


class TableGroup(models.Model):
    """Two or more tables that can be pushed together for a larger party (DESIGN 3).

    A group is free when every table in it is free; assigning it assigns all of its tables.
    """

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="table_groups")
    name = models.CharField(max_length=40)
    tables = models.ManyToManyField(Table, related_name="groups", help_text="Two or more tables of this restaurant.")
    min_seats = models.PositiveSmallIntegerField(default=1)
    max_seats = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["restaurant", "max_seats", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant", "name"],
                name="table_group_name_unique_per_restaurant",
                violation_error_message="This restaurant already has a table group with that name.",
            ),
            models.CheckConstraint(
                condition=Q(min_seats__gte=1) & Q(max_seats__gte=models.F("min_seats")),
                name="table_group_seats_valid",
                violation_error_message="A group seats at least 1, and its maximum is at least its minimum.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.min_seats}-{self.max_seats})"


class TurnTime(models.Model):
    """How long a party stays (unified mode): a matching row sets a booking's duration (DESIGN 3).

    The narrowest party range wins, then a row for the booking type over an "any" row; without a
    matching row the duration comes from the booking type.
    """

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="turn_times")
    party_min = models.PositiveSmallIntegerField(default=1)
    party_max = models.PositiveSmallIntegerField()
    booking_type = models.CharField(
        max_length=16, choices=ServicePeriod.Name.choices, blank=True, help_text="Blank: any booking type."
    )
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(MAX_TURN_MINUTES)])

    class Meta:
        ordering = ["restaurant", "party_min", "party_max", "booking_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_min__gte=1) & Q(party_max__gte=models.F("party_min")),
                name="turn_time_party_range_valid",
                violation_error_message="A party range starts at 1 or more and ends at or after its start.",
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=5, minutes__lte=MAX_TURN_MINUTES),
                name="turn_time_minutes_in_range",
                violation_error_message=f"A turn time is between 5 minutes and {MAX_TURN_MINUTES // 60} hours.",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "party_min", "party_max", "booking_type"],
                name="turn_time_one_per_range_and_type",
                violation_error_message="There is already a turn time for that party range and booking type.",
            ),
        ]

    def __str__(self) -> str:
        kind = self.get_booking_type_display() if self.booking_type else "any booking"
        return f"{self.party_min}-{self.party_max} guests, {kind}: {self.minutes} min"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        MANAGER = "manager"
        HOST = "host"
        SERVER = "server"

    ADMIN_ROLES = frozenset({Role.OWNER, Role.MANAGER})

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.HOST)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["restaurant", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "restaurant"],
                name="membership_one_per_user_restaurant",
                violation_error_message="That person already works at this restaurant.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.restaurant} ({self.role})"

    @property
    def may_override(self) -> bool:
        return self.role in self.ADMIN_ROLES
