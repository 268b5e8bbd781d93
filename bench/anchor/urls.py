from rest_framework.routers import SimpleRouter

from bench.anchor.floor import FloorBookingViewSet
from bench.anchor.views import BenchBookingViewSet

router = SimpleRouter(trailing_slash=False)
router.register("bookings", BenchBookingViewSet, basename="bench-booking")
router.register("floor-bookings", FloorBookingViewSet, basename="floor-booking")

urlpatterns = router.urls
