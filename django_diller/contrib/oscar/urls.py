"""URLs of the Oscar integration; include under a prefix such as ``loyalty/checkout/``."""

from django.urls import path

from .views import coupon_step
from .vouchers import add_voucher, remove_voucher

app_name = "diller_oscar"

urlpatterns = [
    path("coupons/", coupon_step, name="coupons"),
    path("vouchers/add/", add_voucher, name="voucher-add"),
    path("vouchers/remove/", remove_voucher, name="voucher-remove"),
]
