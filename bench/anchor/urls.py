from rest_framework.routers import SimpleRouter

from bench.anchor.views import BenchBookingViewSet

router = SimpleRouter(trailing_slash=False)
router.register("bookings", BenchBookingViewSet, basename="bench-booking")

urlpatterns = router.urls
