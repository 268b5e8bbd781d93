import uuid
import zoneinfo
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA timezone.")


class Restaurant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True, help_text="Lowercase-kebab, used in URLs.")
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    country = models.CharField(max_length=2, default="GB", help_text="ISO 3166 alpha-2; the region for parsing phones.")
    contact_email = models.EmailField(blank=True, help_text="Blank means none.")
    contact_phone = models.CharField(max_length=32, blank=True, help_text="Blank means none.")
    address = models.TextField(blank=True)
    booking_policy = models.TextField(blank=True)
    reservation_interval_minutes = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(5)])
    default_duration_minutes = models.PositiveSmallIntegerField(default=90, validators=[MinValueValidator(5)])
    last_seating_buffer_minutes = models.PositiveSmallIntegerField(default=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"), name="restaurant_slug_kebab"),
            # The slot grid and durations divide by and add these: a zero would break every booking.
            models.CheckConstraint(
                condition=Q(reservation_interval_minutes__gte=5, default_duration_minutes__gte=5),
                name="restaurant_intervals_positive",
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


class OpeningHours(models.Model):
    """A weekday row (weekday set) or a dated override (date set); a dated row wins."""

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[
            (i, d) for i, d in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        ],
    )
    date = models.DateField(null=True, blank=True, help_text="A dated override wins over the weekday.")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "opening hours"
        ordering = ["restaurant", "date", "weekday"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(weekday__isnull=False, date__isnull=True) | Q(weekday__isnull=True, date__isnull=False)),
                name="opening_hours_weekday_xor_date",
            ),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__gte=0, weekday__lte=6),
                name="opening_hours_weekday_range",
            ),
            models.CheckConstraint(
                condition=Q(is_closed=True) | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="opening_hours_open_has_times",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "weekday"], condition=Q(date__isnull=True), name="opening_hours_one_per_weekday"
            ),
            models.UniqueConstraint(
                fields=["restaurant", "date"], condition=Q(date__isnull=False), name="opening_hours_one_per_date"
            ),
        ]

    def __str__(self) -> str:
        when = self.date.isoformat() if self.date else self.get_weekday_display()
        if self.is_closed:
            return f"{when}: closed"
        return f"{when}: {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class ServicePeriod(models.Model):
    class Name(models.TextChoices):
        BREAKFAST = "breakfast"
        LUNCH = "lunch"
        DINNER = "dinner"
        DRINKS = "drinks"

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="service_periods")
    name = models.CharField(max_length=16, choices=Name.choices)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: every day.")
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["restaurant", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")), name="service_period_start_before_end"
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

    class Meta:
        ordering = ["restaurant", "name"]
        constraints = [
            models.UniqueConstraint(fields=["restaurant", "name"], name="table_name_unique_per_restaurant"),
            models.CheckConstraint(
                condition=Q(min_seats__gte=1) & Q(max_seats__gte=models.F("min_seats")), name="table_seats_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.min_seats}-{self.max_seats})"


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

    class Meta:
        ordering = ["restaurant", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "restaurant"], name="membership_one_per_user_restaurant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.restaurant} ({self.role})"

    @property
    def may_override(self) -> bool:
        return self.role in self.ADMIN_ROLES
