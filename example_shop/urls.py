"""URLs of the example shop: Oscar's shop at the root, the Diller loyalty pages at /loyalty/, the
Discount API at /api/ (its OpenAPI document at /api/schema/) and its token endpoint at /o/token/."""

from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from oauth2_provider.views import TokenView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Django's admin is not supported by Oscar, but handy while developing.
    path("admin/", admin.site.urls),
    # The chain's back office: a client-credentials token, then the Discount API.
    path("o/token/", TokenView.as_view(), name="oauth2_token"),
    path("api/", include("django_diller.discountapi.api.urls")),
    path("loyalty/checkout/", include("django_diller.contrib.oscar.urls")),
    path("loyalty/", include("django_diller.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
