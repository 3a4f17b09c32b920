"""Django admin: the Diller set-up screen, and the staff tools of :mod:`django_diller.staff`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .conf import app_settings
from .links import safe_link
from .loyalty.connection import current_department_id, current_store_id
from .models import StoreConfiguration
from .staff.setup import StoreChoiceForm, load_setup_state


@admin.register(StoreConfiguration)
class StoreConfigurationAdmin(admin.ModelAdmin):
    """One page instead of a list: test the credentials, pick the store and department."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_change_permission(request):
            return self._permission_denied(request)
        store_id = request.POST.get("store_id") or request.GET.get("store") or current_store_id()
        state = load_setup_state(store_id)
        form = StoreChoiceForm(
            request.POST or None,
            state=state,
            initial={"store_id": store_id, "department_id": current_department_id()},
        )
        if request.method == "POST" and not state.error and form.is_valid():
            config = form.save(request.user)
            messages.success(request, _("Saved: %(choice)s.") % {"choice": config})
            return HttpResponseRedirect(reverse("admin:diller_storeconfiguration_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Diller set-up"),
            "opts": self.model._meta,
            "state": state,
            "form": form,
            "saved": StoreConfiguration.current(),
            "sandbox": app_settings.SANDBOX,
            "selected_store_id": store_id,
            "privacy_policy_link": safe_link(
                state.store.privacy_policy_url if state.store else None
            ),
        }
        return TemplateResponse(request, "admin/django_diller/setup.html", context)

    def _permission_denied(self, request: HttpRequest):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


# Staff tools: member look-up, member links, consent records (django_diller.staff).
from .staff.admin import register as _register_staff_admin  # noqa: E402

_register_staff_admin(admin.site)

# The transaction outbox's admin; Diller's non-eligible list and the shop's entries on it.
from . import admin_non_eligible  # noqa: E402, F401
from .outbox import admin as outbox_admin  # noqa: E402, F401
