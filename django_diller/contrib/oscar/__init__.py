"""django-oscar integration: the carrier offer that applies loyalty discounts to baskets.

Add ``"django_diller.contrib.oscar"`` to ``INSTALLED_APPS`` after Oscar's apps and
``django_diller``. Everything in the plugin that imports Oscar lives here.
"""
