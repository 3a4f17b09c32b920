"""Staff tools in Django admin: member look-up, enroll, link/unlink, link and consent lists.

Registered through :mod:`django_diller.admin`.
"""
