"""URLs of the Oscar integration; include under a prefix such as ``loyalty/checkout/``."""

from django.urls import path

from .views import coupon_step

app_name = "diller_oscar"

urlpatterns = [
    path("coupons/", coupon_step, name="coupons"),
]
