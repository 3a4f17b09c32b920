"""Admin lists of member links, consent records and join invitations, and the member look-up
page's URLs.

The lists are read-only: staff link members through the look-up page, consent records are the
shop's evidence (never changed nor deleted from the admin), and a join invitation is Diller's
to finish. An invitation's phone is shown masked, and what the shopper typed not at all.
Accounts are shown and searched by e-mail (:func:`~..accounts.account_label`), never by a
generated username.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..accounts import account_label
from ..models import ConsentRecord, JoinInvitation, MemberLink
from . import views


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.display(description=_("shop account"), ordering="user__email")
def shop_account(obj) -> str:
    return account_label(obj.user if obj.user_id else None)


@admin.display(description=_("recorded by"), ordering="recorded_by__email")
def recorded_by_account(obj: ConsentRecord) -> str:
    return account_label(obj.recorded_by if obj.recorded_by_id else None)


class MemberLinkAdmin(ReadOnlyAdmin):
    """The linked accounts, and (``lookup/…``) the member look-up page."""

    list_display = (shop_account, "member_id", "store_id", "source", "linked_at")
    list_filter = ("source", "store_id")
    search_fields = ("user__email", "=member_id")
    fields = (shop_account, "member_id", "store_id", "source", "linked_at")
    readonly_fields = fields
    list_select_related = ("user",)
    date_hierarchy = "linked_at"
    ordering = ("-linked_at",)
    change_list_template = "admin/django_diller/memberlink_change_list.html"

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            wrapper.__name__ = view.__name__
            return self.admin_site.admin_view(wrapper)

        lookup_urls = [
            path("lookup/", wrap(views.lookup_view), name="diller_member_lookup"),
            path("lookup/enroll/", wrap(views.enroll_view), name="diller_member_enroll"),
            path(
                "lookup/member/<str:member_id>/",
                wrap(views.member_view),
                name="diller_member_detail",
            ),
            path(
                "lookup/member/<str:member_id>/link/",
                wrap(views.link_view),
                name="diller_member_link",
            ),
            path(
                "lookup/member/<str:member_id>/unlink/",
                wrap(views.unlink_view),
                name="diller_member_unlink",
            ),
        ]
        return lookup_urls + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        opts = self.model._meta
        can_look_up = request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        extra_context = {**(extra_context or {}), "can_look_up": can_look_up}
        return super().changelist_view(request, extra_context)


class ConsentRecordAdmin(ReadOnlyAdmin):
    """Consents given or withdrawn, when and where: evidence, so read-only and never deleted."""

    list_display = (
        shop_account,
        "member_id",
        "consent",
        "given",
        "source",
        "recorded_at",
        "order_number",
        recorded_by_account,
    )
    list_filter = ("consent", "given", "source", "recorded_at")
    search_fields = ("user__email", "member_id", "order_number", "recorded_by__email")
    fields = (
        shop_account,
        "store_id",
        "member_id",
        "consent",
        "given",
        "source",
        "order_number",
        "recorded_at",
        recorded_by_account,
    )
    readonly_fields = fields
    list_select_related = ("user", "recorded_by")
    date_hierarchy = "recorded_at"
    ordering = ("-recorded_at",)

    def get_actions(self, request: HttpRequest):
        return {}  # not even "delete selected"


@admin.display(description=_("phone"))
def masked_phone(obj: JoinInvitation) -> str:
    """Enough for staff to tell invitations apart on the telephone, not the number."""
    digits = obj.phone.strip()
    return f"••• {digits[-2:]}" if len(digits) > 4 else "-"


class JoinInvitationAdmin(ReadOnlyAdmin):
    """Joins waiting for the phone's owner (from the join page or a guest's checkout): what
    became of each, for staff answering "I never got the text"."""

    list_display = (
        "created_at",
        "state",
        "failure",
        "order_number",
        shop_account,
        masked_phone,
        "expires_at",
        "finished_at",
    )
    list_filter = ("state", "failure", "created_at")
    search_fields = ("=order_number", "user__email", "=member_id")
    fields = (
        "state",
        "failure",
        "detail",
        "order_number",
        shop_account,
        masked_phone,
        "member_id",
        "store_id",
        "consents",
        "created_at",
        "invited_at",
        "expires_at",
        "finished_at",
    )
    readonly_fields = fields
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def get_actions(self, request: HttpRequest):
        return {}


def register(site: admin.AdminSite) -> None:
    site.register(MemberLink, MemberLinkAdmin)
    site.register(ConsentRecord, ConsentRecordAdmin)
    site.register(JoinInvitation, JoinInvitationAdmin)
