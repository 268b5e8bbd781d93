from rest_framework.routers import SimpleRouter

from opsportal.apis import OpsBookingViewSet

router = SimpleRouter(trailing_slash=False)
router.register("bookings", OpsBookingViewSet, basename="ops-booking")

urlpatterns = router.urls
