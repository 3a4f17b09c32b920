"""The Discount API's URLs, as the document names them; a shop mounts them under a prefix:
``path("api/", include("django_diller.discountapi.api.urls"))`` serves ``POST /api/discounts``.

Each path answers with and without a trailing slash (``/discounts`` and ``/discounts/``), so a
back office that adds one gets the same answer, never a redirect that drops its body; the
OpenAPI document lists the document's form only. ``schema/`` serves that document (YAML, or JSON
with ``?format=json``).
"""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views
from .schema import DiscountApiSchemaView

app_name = "diller_discountapi"

ROUTES = (
    ("discounts", views.DiscountList, "discounts"),
    ("discounts/<str:discountId>", views.DiscountDetail, "discount"),
    ("discounts/<str:discountId>/combinableWith", views.AddCombinableWith, "combinable-with"),
    (
        "discounts/<str:discountId>/combinableWith/<str:otherId>",
        views.RemoveCombinableWith,
        "combinable-with-entry",
    ),
    ("discounts/<str:discountId>/stores", views.AddStores, "stores"),
    ("discounts/<str:discountId>/stores/<str:storeId>", views.RemoveStores, "store"),
    ("discounts/<str:discountId>/distchains", views.AddDistChains, "distchains"),
    (
        "discounts/<str:discountId>/distchains/<str:distChain>",
        views.RemoveDistChains,
        "distchain",
    ),
)


def routes() -> list[URLPattern]:
    patterns = []
    for route, view, name in ROUTES:
        patterns.append(path(route, view.as_view(), name=name))
        patterns.append(path(f"{route}/", view.as_view(), name=f"{name}-slash"))
    return patterns


urlpatterns = [
    *routes(),
    path("schema/", DiscountApiSchemaView.as_view(), name="schema"),
]
