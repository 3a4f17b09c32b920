"""The plugin's tables."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

STORE_CONFIGURATION_CACHE_KEY = "diller:store-configuration"


class StoreConfiguration(models.Model):
    """The Diller store and department chosen by staff on the set-up page (a single row).

    A choice saved here wins over ``DILLER['STORE_ID']`` / ``DILLER['DEPARTMENT_ID']``.
    The store's details are kept as shown at the time, for the set-up page and the checks.
    """

    store_id = models.CharField(_("store id"), max_length=100)
    store_name = models.CharField(_("store name"), max_length=200, blank=True)
    department_id = models.CharField(_("department id"), max_length=100, blank=True)
    department_name = models.CharField(_("department name"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Diller set-up")
        verbose_name_plural = _("Diller set-up")

    def __str__(self) -> str:
        return f"{self.store_name or self.store_id} / {self.department_name or self.department_id}"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # a single row
        super().save(*args, **kwargs)
        cache.delete(STORE_CONFIGURATION_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(STORE_CONFIGURATION_CACHE_KEY)
        return result

    @classmethod
    def current(cls) -> StoreConfiguration | None:
        """The saved choice, cached for a minute (it is read on every client creation)."""
        saved = cache.get(STORE_CONFIGURATION_CACHE_KEY)
        if saved is None:
            saved = cls.objects.filter(pk=1).first() or False
            cache.set(STORE_CONFIGURATION_CACHE_KEY, saved, 60)
        return saved or None
