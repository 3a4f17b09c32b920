"""The staff page "Which discounts apply to this basket now, and why not the others".

Under the discount admin (``admin/diller_discountapi/discount/preview/``): staff pick an open
basket by its number, or a user's open basket, and see each line's chain discount and, for
every rule, whether it applies or why not: outside its time, another store or chain, not
automatic, employees only, or beaten on every line by a better set it does not combine with.
Units that the shop's other offers take at checkout are counted here as free. The
non-automatic discounts staff applied to the basket count as applying while they apply here and
now (see :mod:`.discount_rules_manual`).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model
from oscar.templatetags.currency_filters import currency as format_currency

from ...discountapi.rules import NotApplicable
from .discount_rules import CURRENCY_EXPONENT, basket_rules

Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")

REASONS = {
    NotApplicable.NOT_AUTOMATIC: _("No: not automatic (staff apply it)"),
    NotApplicable.EMPLOYEE_ONLY: _("No: for employees only"),
    NotApplicable.OTHER_STORE: _("No: for other stores"),
    NotApplicable.OTHER_CHAIN: _("No: for other distribution chains"),
    NotApplicable.OUTSIDE_DATES: _("No: outside its dates"),
    NotApplicable.OTHER_DAY: _("No: not on this day of the week"),
    NotApplicable.OUTSIDE_TIME: _("No: outside its time of day"),
}


class BasketChoiceForm(forms.Form):
    basket = forms.IntegerField(label=_("Basket number"), required=False, min_value=1)
    username = forms.CharField(label=_("or the open basket of user"), required=False)


def find_basket(basket_id: int | None, username: str):
    """The open basket by number, or the user's newest open basket; None if there is none."""
    baskets = Basket.objects.filter(status=Basket.OPEN)
    if basket_id:
        return baskets.filter(pk=basket_id).first()
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is not None:
            return baskets.filter(owner=user).order_by("-date_created").first()
    return None


def explain(basket) -> dict:
    """The lines' discounts and every rule's verdict, as the page shows them."""
    from .discount_rules import discountable_units

    basket.strategy = Selector().strategy(user=basket.owner)
    rules = basket_rules(basket, exact=True)
    used: set[str] = set()
    lines = []
    for line in basket.all_lines():
        units = discountable_units(line, None)
        if not units:
            continue
        priced = rules.rule_set.price_line(
            line.unit_price_incl_tax, units, currency_exponent=CURRENCY_EXPONENT
        )
        used.update(priced.discount_ids)
        lines.append(
            {
                "title": line.product.get_title(),
                "units": units,
                "unit_price": format_currency(line.unit_price_incl_tax, basket.currency),
                "discount": format_currency(priced.discount, basket.currency),
                "ids": priced.discount_ids,
            }
        )
    verdicts = []
    for rule, reason in sorted(rules.reasons, key=lambda pair: pair[0].discount_id):
        if reason is not None:
            verdict = REASONS[reason]
        elif rule.discount_id in used:
            verdict = gettext("Yes")
        elif lines:
            verdict = gettext("No: a better discount it does not combine with wins on every line")
        else:
            verdict = gettext("No: no line it could discount")
        verdicts.append({"rule": rule, "verdict": verdict})
    return {"when": rules.when, "employee": rules.employee, "lines": lines, "rules": verdicts}


def preview(request: HttpRequest, model_admin, page: str = "preview") -> HttpResponse:
    """The page; ``page="manual"``: the one where staff apply discounts to a basket
    (:mod:`.discount_rules_manual`), which the discount admin reaches through this view."""
    if page == "manual":
        from .discount_rules_manual import manual

        return manual(request, model_admin)
    form = BasketChoiceForm(request.GET or None)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Which discounts apply to a basket"),
        "form": form,
    }
    if form.is_bound and form.is_valid():
        basket = find_basket(form.cleaned_data["basket"], form.cleaned_data["username"].strip())
        if basket is None:
            context["message"] = gettext("No open basket was found.")
        else:
            context["basket"] = basket
            context.update(explain(basket))
    return TemplateResponse(request, "admin/diller_discountapi/discount/preview.html", context)
