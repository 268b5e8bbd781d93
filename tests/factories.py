"""factory-boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import Booking, Customer
from restaurants.models import Membership, OpeningHours, Restaurant, ServicePeriod, Table


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw-for-tests-123")


class RestaurantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Restaurant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Bistro {n}")
    slug = factory.Sequence(lambda n: f"bistro-{n}")
    timezone = "Europe/London"
    country = "GB"
    contact_email = factory.LazyAttribute(lambda r: f"hello@{r.slug}.example.com")
    contact_phone = "+442079460000"
    address = "1 High Street, London"

    @factory.post_generation
    def open_every_day(obj, create, extracted, **kwargs):
        """Open 08:00-23:00 every day unless `open_every_day=False`."""
        if create and extracted is not False:
            OpeningHours.objects.bulk_create(
                OpeningHours(restaurant=obj, weekday=d, opens_at=dt.time(8), closes_at=dt.time(23)) for d in range(7)
            )


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    restaurant = factory.SubFactory(RestaurantFactory)
    weekday = 0
    opens_at = dt.time(12)
    closes_at = dt.time(23)


class ServicePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePeriod

    restaurant = factory.SubFactory(RestaurantFactory)
    name = "dinner"
    start_time = dt.time(17)
    end_time = dt.time(22)


class TableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Table

    restaurant = factory.SubFactory(RestaurantFactory)
    name = factory.Sequence(lambda n: f"T{n}")
    min_seats = 1
    max_seats = 4


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    restaurant = factory.SubFactory(RestaurantFactory)
    role = Membership.Role.HOST


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    restaurant = factory.SubFactory(RestaurantFactory)
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"guest{n}@example.com")
    phone = factory.Sequence(lambda n: f"+4479111{n:05d}")  # valid UK mobiles (the admin checks them)


_SEATED = (Booking.Status.CHECKED_IN, Booking.Status.COMPLETED)


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking row written directly (no pipeline): for tests of what happens *after* creation.

    Today's dinner for two at 19:00 in the restaurant's timezone, confirmed. A trait per status
    (`BookingFactory(checked_in=True)`) sets it; the lifecycle timestamps follow the status, so the
    row passes the `booking_lifecycle_timestamps_consistent` check however the status is given:
    seated (checked in) now, completed (checked in and out) now, none for the other statuses.
    """

    class Meta:
        model = Booking

    class Params:
        pending = factory.Trait(status=Booking.Status.PENDING)
        pending_allocation = factory.Trait(status=Booking.Status.PENDING_ALLOCATION)
        confirmed = factory.Trait(status=Booking.Status.CONFIRMED)
        checked_in = factory.Trait(status=Booking.Status.CHECKED_IN)
        completed = factory.Trait(status=Booking.Status.COMPLETED)
        cancelled = factory.Trait(status=Booking.Status.CANCELLED)
        no_show = factory.Trait(status=Booking.Status.NO_SHOW)

    restaurant = factory.SubFactory(RestaurantFactory)
    customer = factory.SubFactory(CustomerFactory, restaurant=factory.SelfAttribute("..restaurant"))
    booking_date = factory.LazyAttribute(lambda b: b.restaurant.today())
    start_time = dt.time(19)
    end_time = dt.time(21)
    start_at = factory.LazyAttribute(
        lambda b: dt.datetime.combine(b.booking_date, b.start_time, tzinfo=b.restaurant.tz).astimezone(dt.UTC)
    )
    end_at = factory.LazyAttribute(
        lambda b: dt.datetime.combine(b.booking_date, b.end_time, tzinfo=b.restaurant.tz).astimezone(dt.UTC)
    )
    party_size = 2
    booking_type = Booking.BookingType.DINNER
    status = Booking.Status.CONFIRMED
    checked_in_at = factory.LazyAttribute(lambda b: timezone.now() if b.status in _SEATED else None)
    checked_out_at = factory.LazyAttribute(lambda b: b.checked_in_at if b.status == Booking.Status.COMPLETED else None)
    source = Booking.Source.WEB
    customer_name = factory.SelfAttribute("customer.full_name")
    customer_email = factory.SelfAttribute("customer.email")
    customer_phone = factory.SelfAttribute("customer.phone")
    client_request_id = factory.LazyFunction(uuid.uuid4)
    details = factory.LazyFunction(lambda: {"channel": "customer", "providedContact": {"email": True, "phone": True}})
