"""The set-up screen's logic: test the credentials, list stores and departments, save a choice.

Kept apart from the admin view so that ``diller_check`` and the view report the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..api import DillerAuthError, DillerError, DillerNotFound, DillerRefused, DillerUnavailable
from ..api import models as wire
from ..loyalty.connection import NotConfigured, get_client
from ..models import StoreConfiguration


def describe_error(exc: Exception) -> str:
    """A staff-facing sentence for a failed call (no secrets: the errors hold none)."""
    if isinstance(exc, NotConfigured):
        return gettext("The Diller host and credentials are not configured.")
    if isinstance(exc, DillerAuthError):
        return gettext("Diller refused the credentials (store UID / API key).")
    if isinstance(exc, DillerUnavailable):
        return gettext("Diller could not be reached: %(reason)s") % {"reason": exc}
    if isinstance(exc, DillerNotFound):
        return gettext("Diller does not know it: %(reason)s") % {"reason": exc}
    if isinstance(exc, DillerRefused):
        return exc.for_staff()  # Diller's reason, which the message leaves out of logs
    return str(exc)


@dataclass
class SetupState:
    """What the set-up page shows."""

    error: str | None = None
    stores: list[wire.StoreResponse] = field(default_factory=list)
    store: wire.StoreResponse | None = None
    departments: list[wire.StoreDepartmentResponse] = field(default_factory=list)


def load_setup_state(store_id: str | None) -> SetupState:
    state = SetupState()
    try:
        client = get_client()
        state.stores = client.get_stores()
        if store_id:
            state.store = client.get_store(store_id=store_id)
            state.departments = client.get_departments(store_id=store_id)
    except (DillerError, NotConfigured) as exc:
        state.error = describe_error(exc)
    return state


class StoreChoiceForm(forms.Form):
    store_id = forms.ChoiceField(label=_("Store"), widget=forms.RadioSelect)
    department_id = forms.ChoiceField(label=_("Web shop department"), widget=forms.RadioSelect)

    def __init__(self, *args, state: SetupState, **kwargs):
        super().__init__(*args, **kwargs)
        self.state = state
        self.fields["store_id"].choices = [
            (s.id, s.store_name or s.id) for s in state.stores if s.id
        ]
        self.fields["department_id"].choices = [
            (d.id, d.name or d.id) for d in state.departments if d.id
        ]

    def save(self, user) -> StoreConfiguration:
        store = self.state.store
        department_id = self.cleaned_data["department_id"]
        names = {d.id: d.name or "" for d in self.state.departments}
        config = StoreConfiguration.objects.filter(pk=1).first() or StoreConfiguration()
        config.store_id = self.cleaned_data["store_id"]
        config.store_name = (store.store_name if store else "") or ""
        config.currency = (store.currency if store else "") or ""
        config.department_id = department_id
        config.department_name = names.get(department_id, "")
        config.updated_by = user if getattr(user, "pk", None) else None
        config.save()
        return config
