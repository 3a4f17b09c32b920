"""The Discount API over HTTP: the document's paths, bodies and response codes, served with
Django REST framework to a back office that holds a client-credentials token from
django-oauth-toolkit (scopes ``discounts:read`` and ``discounts:write``).

``urls.py`` is what a shop mounts (``path("api/", include("django_diller.discountapi.api.urls"))``);
``docs/discount-api.md`` describes the API and its codes, ``docs/discount-api.openapi.yaml`` is
its OpenAPI document (``make api-schema`` writes it).
"""
