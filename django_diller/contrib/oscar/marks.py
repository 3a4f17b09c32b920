"""Staff's marks: Oscar product classes and products that are not eligible for loyalty."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NonEligibleMark(models.Model):
    """A product class or a product (with its variants) that takes no loyalty discount, earns
    no stamp and no points: gift cards, deposits.

    The shop applies a mark at once; the plugin pushes the products it covers to Diller's
    non-eligible list so that the tills agree. ``status`` says how far that got.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be pushed")
        PUSHED = "pushed", _("on Diller's list")
        ERROR = "error", _("failed")

    product_class = models.OneToOneField(
        "catalogue.ProductClass",
        verbose_name=_("product class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="diller_non_eligible_mark",
    )
    product = models.OneToOneField(
        "catalogue.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="diller_non_eligible_mark",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        app_label = "diller_oscar"
        verbose_name = _("not eligible for loyalty")
        verbose_name_plural = _("not eligible for loyalty")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(product_class__isnull=False, product__isnull=True)
                    | models.Q(product_class__isnull=True, product__isnull=False)
                ),
                name="diller_mark_names_a_class_or_a_product",
            )
        ]

    def __str__(self) -> str:
        target = self.product_class if self.product_class_id else self.product
        return str(target)
