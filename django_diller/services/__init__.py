"""The only layer that calls Diller: shop-aware operations over :mod:`django_diller.api`."""
