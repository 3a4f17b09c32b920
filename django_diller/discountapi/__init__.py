"""The Discount API: a chain's back office manages the discounts its tills (and this web shop)
apply. Models, settings, audit log, the pure pricing rules (:mod:`.rules`) and admin.

``INSTALLED_APPS += ["django_diller.discountapi"]``, after ``django_diller``.
"""
