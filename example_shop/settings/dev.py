"""Development and demo settings (``manage.py`` uses these by default).

``DEBUG`` is on, so without ``DILLER_BASE_URL`` the shop runs the embedded Diller sandbox.
"""

from example_shop.demo_discounts import DEMO_DIST_CHAIN

from .base import *  # noqa: F403
from .base import coupontools_settings, diller_settings, dintero_settings, env, env_list

DEBUG = True
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["*"])
INTERNAL_IPS = ["127.0.0.1"]

DILLER = {
    **diller_settings(sandbox_by_default=DEBUG),
    # The links the Diller sandbox texts (a join invitation's) open this shop, where the demo
    # serves it (demo.sh's DEMO_ADDR).
    "SANDBOX_SHOP_URL": f"http://{env('DEMO_ADDR', '127.0.0.1:8000')}",
}
DINTERO = dintero_settings(sandbox_by_default=DEBUG)
COUPONTOOLS = coupontools_settings(sandbox_by_default=DEBUG)
# The demo's discount rules are for its distribution chain (see example_shop/demo_discounts.py).
DISCOUNT_API = {"DIST_CHAIN": DEMO_DIST_CHAIN}
