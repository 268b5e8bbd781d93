"""The outbox in the admin: a read-only changelist with "send again", and the booking page's inline.

Rows are never edited by hand: "send again" (a bulk action here, a button per failed row on the
booking's page) re-queues the same row through `notification_send_again`, so its dedupe key, and
with it the never-twice guarantee, stays. The inline joins the booking's page through the booking
admin's hook, `bookings.admin.register_booking_inline`, called from here: the bookings app knows
nothing about notifications.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from bookings.admin import register_booking_inline
from config.errors import ApplicationError
from notifications.emails import display_email
from notifications.models import Notification
from notifications.services import notification_send_again
from restaurants.admin import ReadOnlyMixin, RestaurantScopedMixin

SEND_AGAIN_URL = "notifications_notification_send_again"


def _may_send_again(request) -> bool:
    """Staff who run the day (the role groups grant change_notification) may re-queue a failed row."""
    return request.user.has_perm("notifications.change_notification")


class NotificationDisplayMixin:
    @admin.display(description="recipient", ordering="recipient")
    def recipient_shown(self, notification: Notification) -> str:
        return display_email(notification.recipient)


@admin.register(Notification)
class NotificationAdmin(NotificationDisplayMixin, ReadOnlyMixin, RestaurantScopedMixin, admin.ModelAdmin):
    restaurant_path = "booking__restaurant"
    list_display = ("created_at", "booking_reference", "kind", "status", "recipient_shown", "recipient_source")
    list_display += ("attempts", "sent_at", "last_error")
    list_filter = ("status", "kind", "recipient_source")
    search_fields = ("recipient", "booking__reference")
    list_select_related = ("booking",)
    actions = ["send_again"]
    fields = (
        "booking",
        "kind",
        "status",
        "recipient_shown",
        "recipient_source",
        "subject",
        "attempts",
        "last_error",
        "provider_message_id",
        "dedupe_key",
        "created_at",
        "queued_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description="booking", ordering="booking__reference")
    def booking_reference(self, notification: Notification) -> str:
        return notification.booking.reference

    def has_send_again_permission(self, request) -> bool:
        return _may_send_again(request)

    @admin.action(description="Send again (failed notifications)", permissions=["send_again"])
    def send_again(self, request, queryset):
        failed = list(queryset.filter(status=Notification.Status.FAILED))
        for notification in failed:
            notification_send_again(notification=notification)
        if failed:
            messages.success(request, f"{len(failed)} notification(s) queued to be sent again.")
        if ignored := queryset.count() - len(failed):
            messages.warning(request, f"{ignored} selected notification(s) had not failed and were left alone.")

    def get_urls(self):
        view = self.admin_site.admin_view(self.send_again_view)
        return [path("<path:object_id>/send-again/", view, name=SEND_AGAIN_URL), *super().get_urls()]

    def send_again_view(self, request, object_id):
        """POST only (CSRF-checked by admin_view); answers with the booking's page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        notification = self.get_object(request, unquote(object_id))
        if notification is None:
            raise Http404("No such notification.")
        if not _may_send_again(request):
            raise PermissionDenied
        try:
            notification_send_again(notification=notification)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The {notification.get_kind_display().lower()} email is queued again.")
        booking_url = reverse(f"{self.admin_site.name}:bookings_booking_change", args=[quote(notification.booking_id)])
        return HttpResponseRedirect(booking_url)


@register_booking_inline
class NotificationInline(NotificationDisplayMixin, ReadOnlyMixin, admin.TabularInline):
    model = Notification
    extra = 0
    ordering = ("created_at", "id")
    fields = ("kind", "status", "recipient_shown", "recipient_source", "attempts", "last_error", "sent_at", "resend")
    readonly_fields = fields
    verbose_name_plural = "notifications"

    @admin.display(description="")
    def resend(self, notification: Notification) -> str:
        if notification.status != Notification.Status.FAILED:
            return ""
        url = reverse(f"{self.admin_site.name}:{SEND_AGAIN_URL}", args=[quote(notification.pk)])
        # The booking page is one form: the button posts it (with its CSRF token) to our URL instead.
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>Send again</button>',
            url,
        )
