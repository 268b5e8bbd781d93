from rest_framework import pagination, serializers, viewsets

from bench.anchor.models import BenchBooking


class BenchBookingSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchBooking
        fields = "__all__"


class Page(pagination.PageNumberPagination):
    page_size = 50


class BenchBookingViewSet(viewsets.ModelViewSet):
    """Create: 2 SQL statements. List (`?restaurant_id=&booking_date=`): a page of 50, 2 statements."""

    serializer_class = BenchBookingSerializer
    authentication_classes: list = []
    permission_classes: list = []
    pagination_class = Page

    def get_queryset(self):
        rows = BenchBooking.objects.order_by("start_time", "id")
        params = self.request.query_params
        if "restaurant_id" in params and "booking_date" in params:
            rows = rows.filter(restaurant_id=params["restaurant_id"], booking_date=params["booking_date"])
        return rows
