"""The plugin's tables."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import request_memo
from .outbox.models import OutboxEntry  # noqa: F401  (the app registers its tables here)

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # a single row
        super().save(*args, **kwargs)
        cache.delete(STORE_CONFIGURATION_CACHE_KEY)
        request_memo.forget(STORE_CONFIGURATION_CACHE_KEY)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)
        cache.delete(STORE_CONFIGURATION_CACHE_KEY)
        request_memo.forget(STORE_CONFIGURATION_CACHE_KEY)
        return result

    @classmethod
    def current(cls) -> StoreConfiguration | None:
        """The saved choice, cached for a minute (it is read on every client creation), and
        read once per request (see :mod:`.request_memo`)."""
        return request_memo.remembered(STORE_CONFIGURATION_CACHE_KEY, cls._cached) or None

    @classmethod
    def _cached(cls) -> StoreConfiguration | Literal[False]:
        saved: StoreConfiguration | Literal[False] | None = cache.get(STORE_CONFIGURATION_CACHE_KEY)
        if saved is None:
            saved = cls.objects.filter(pk=1).first() or False
            cache.set(STORE_CONFIGURATION_CACHE_KEY, saved, 60)
        return saved


class Source(models.TextChoices):
    """Where a member link or a consent came from."""

    PAGE = "page", _("loyalty page")
    CHECKOUT = "checkout", _("checkout")
    STAFF = "staff", _("staff")
    ACTIVATION = "activation", _("activation link")
    # A consent as Diller had it when the shop first saw the member (linking, joining): not
    # the shopper's choice on a shop page, the membership's earlier state.
    DILLER = "diller", _("as Diller had it")


# The request memo's key of the links looked up in a request (see MemberLinkQuerySet.of).
LINK_MEMO = "diller-member-link"


class MemberLinkQuerySet(models.QuerySet["MemberLink"]):
    def of(self, user: Any, store_id: str | None) -> MemberLink | None:
        """The account's membership in the store, or None (an anonymous user included).

        ``user`` is a user or a user's primary key; the one query every part of the plugin
        uses to find a shopper's member."""
        if user is None or not getattr(user, "is_authenticated", True):
            return None
        user_id = getattr(user, "pk", user)
        store = store_id or ""

        def read() -> MemberLink | None:
            # Every page asks; as SQL, because building it with the ORM takes longer than
            # running it. ``user`` is one-to-one: at most one row.
            table = connection.ops.quote_name(self.model._meta.db_table)
            sql = f"SELECT * FROM {table} WHERE user_id = %s AND store_id = %s"  # noqa: S608
            found = list(self.model.objects.raw(sql, [user_id, store]))
            return found[0] if found else None

        # Once per request (placing an order asks in the checkout and again when its payment
        # is recorded); a link saved or deleted is forgotten at once (see receivers.py).
        return request_memo.remembered((LINK_MEMO, user_id, store), read)


class MemberLink(models.Model):
    """A shop account linked to a Diller member of a store.

    Created only when Diller registered the member for this account, or after the shopper
    proved they own the member's phone with a one-time code (or staff linked them).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="diller_member",
    )
    store_id = models.CharField(_("store id"), max_length=100)
    member_id = models.CharField(_("member id"), max_length=100)
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)

    objects = MemberLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("member link")
        verbose_name_plural = _("member links")
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "member_id"], name="diller_one_account_per_member"
            )
        ]

    def __str__(self) -> str:
        from .accounts import account_label  # staff pages name accounts by e-mail

        return f"{account_label(self.user)} ↔ {self.member_id}"


class Consent(models.TextChoices):
    """Diller's four consents (the names of ``Consent`` on the wire)."""

    GDPR = "gdpr_accepted", _("joined the loyalty club (terms and privacy policy)")
    ORDER_HISTORY = "save_order_history", _("purchase history may be kept")
    SMS = "receive_sms", _("marketing by SMS")
    EMAIL = "receive_email", _("marketing by e-mail")


class ConsentRecord(models.Model):
    """One consent given or withdrawn, when and where: the shop's own evidence."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="diller_consents",
    )
    store_id = models.CharField(_("store id"), max_length=100)
    member_id = models.CharField(_("member id"), max_length=100, blank=True)
    consent = models.CharField(_("consent"), max_length=30, choices=Consent.choices)
    given = models.BooleanField(_("given"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    order_number = models.CharField(_("order number"), max_length=128, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The staff member who recorded it, when staff did."),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["member_id", "consent", "-recorded_at"])]

    def __str__(self) -> str:
        state = _("given") if self.given else _("withdrawn")
        return f"{self.get_consent_display()}: {state}"


class JoinInvitation(models.Model):
    """A join waiting for the phone's owner: Diller texted the phone a link to finish joining.

    Created when someone joins with a phone that is not a member: from the join page, for the
    shop account that asked (``user``), or ticking "join" at a guest checkout, for the order
    (``order_number``). Diller's ``enroll`` creates a record without consents and texts the
    phone its link; nothing the shopper typed or ticked reaches Diller before the phone's
    owner follows it. ``profile`` keeps what an account's shopper typed, to prefill the
    activation page for that same account only, and only while the invitation waits;
    ``detail`` says, for staff, what happened (never personal data).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("not sent to Diller yet")
        INVITED = "invited", _("waiting for the phone's owner")
        JOINED = "joined", _("joined")
        ALREADY_MEMBER = "already_member", _("the phone is already a member")
        FAILED = "failed", _("could not be completed")
        EXPIRED = "expired", _("not finished in time")

    class Failure(models.TextChoices):
        NO_PHONE = "no_phone", _("no valid mobile number")
        REFUSED = "refused", _("refused by Diller")
        UNAVAILABLE = "unavailable", _("Diller could not be reached")
        OTHER_ACCOUNT = "other_account", _("finished by another shop account")

    store_id = models.CharField(_("store id"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    member_id = models.CharField(
        _("member id"), max_length=100, blank=True, help_text=_("The record Diller's enroll made.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shop account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="diller_join_invitations",
    )
    order_number = models.CharField(_("order number"), max_length=128, blank=True, db_index=True)
    consents = models.JSONField(_("consents ticked"), default=dict, blank=True)
    profile = models.JSONField(_("profile typed"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True
    )
    failure = models.CharField(_("failure"), max_length=20, choices=Failure.choices, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    invited_at = models.DateTimeField(_("link texted at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("waits until"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("join invitation")
        verbose_name_plural = _("join invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order_number or self.user_id}: {self.get_state_display()}"


class UsedActivationToken(models.Model):
    """An activation token that finished a membership: it can never finish another.

    Only a digest of the token is kept. The unique constraint makes the first of two parallel
    uses win.
    """

    store_id = models.CharField(_("store id"), max_length=100)
    digest = models.CharField(_("token digest"), max_length=64)
    member_id = models.CharField(_("member id"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shop account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    used_at = models.DateTimeField(_("used at"), default=timezone.now)

    class Meta:
        verbose_name = _("used activation token")
        verbose_name_plural = _("used activation tokens")
        constraints = [
            models.UniqueConstraint(fields=["store_id", "digest"], name="diller_token_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} ({self.used_at:%Y-%m-%d})"


class BasketLoyaltyQuerySet(models.QuerySet["BasketLoyalty"]):
    def of_basket(self, basket_id: int) -> BasketLoyalty | None:
        """The basket's snapshot, whoever it belongs to, or None.

        As SQL, like :meth:`MemberLinkQuerySet.of`: the payment page asks on every visit, and
        building the query with the ORM takes three times as long as running it."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        sql = f"SELECT * FROM {table} WHERE basket_id = %s"  # noqa: S608 (the model's table)
        found = list(self.model.objects.raw(sql, [basket_id]))
        return found[0] if found else None


class BasketLoyalty(models.Model):
    """What a basket may use: the member's coupons and stamp cards, the shopper's choices, and
    what other discount providers keep for it.

    Written by the coupon choice (which fetches from Diller) and read by the basket's carrier
    offer, which runs on every request and must never call Diller itself. ``coupons`` and
    ``stamp_cards`` hold Diller's wire form as fetched. ``providers`` holds, by provider name,
    what another provider's discount source reads (a voucher the shopper entered, say). A
    guest's basket has a row too when another provider gave it something: its ``member_id`` is
    empty.
    """

    basket_id = models.PositiveBigIntegerField(_("basket id"), unique=True)
    store_id = models.CharField(_("store id"), max_length=100)
    member_id = models.CharField(_("member id"), max_length=100)
    coupons = models.JSONField(_("coupons"), default=list)
    stamp_cards = models.JSONField(_("stamp cards"), default=list)
    chosen_codes = models.JSONField(
        _("chosen coupons"), default=list, help_text=_("Whole-purchase coupons the shopper chose.")
    )
    declined_codes = models.JSONField(
        _("declined coupons"),
        default=list,
        help_text=_("Product coupons the shopper chose not to use."),
    )
    providers = models.JSONField(
        _("other providers"),
        default=dict,
        blank=True,
        help_text=_("What other discount providers keep for the basket, by provider."),
    )
    fetched_at = models.DateTimeField(_("fetched at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BasketLoyaltyQuerySet.as_manager()

    class Meta:
        verbose_name = _("basket loyalty selection")
        verbose_name_plural = _("basket loyalty selections")

    def __str__(self) -> str:
        return f"basket {self.basket_id}"


class OrderLoyaltyItem(models.Model):
    """What one coupon or stamp card did for an order, and its reservation at Diller."""

    class Kind(models.TextChoices):
        COUPON = "coupon", _("coupon")
        STAMP_CARD = "stamp_card", _("stamp card")

    class Reservation(models.TextChoices):
        PENDING = "pending", _("to reserve")
        RESERVED = "reserved", _("reserved")
        REFUSED = "refused", _("refused by Diller")
        RELEASED = "released", _("released")

    order_number = models.CharField(_("order number"), max_length=128, db_index=True)
    store_id = models.CharField(_("store id"), max_length=100)
    member_id = models.CharField(_("member id"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(
        _("reference"), max_length=100, help_text=_("The coupon code or the stamp card id.")
    )
    title = models.CharField(
        _("title"),
        max_length=255,
        blank=True,
        help_text=_("The coupon's or stamp card's title as the member saw it when ordering."),
    )
    amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    stamps_collected = models.PositiveIntegerField(_("stamps collected"), default=0)
    stamps_deducted = models.PositiveIntegerField(_("stamps deducted"), default=0)
    threshold_amount = models.DecimalField(
        _("threshold amount"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A threshold stamp card's purchase amount: a return below it loses the stamp."),
    )
    lines = models.JSONField(
        _("lines"),
        default=list,
        blank=True,
        help_text=_(
            "The products it touched: product id at Diller, discount, stamps collected and "
            "deducted, for the transaction's detail lines."
        ),
    )
    reservation = models.CharField(
        _("reservation"), max_length=20, choices=Reservation.choices, default=Reservation.PENDING
    )
    reservation_detail = models.CharField(_("Diller's answer"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order loyalty item")
        verbose_name_plural = _("order loyalty items")
        constraints = [
            models.UniqueConstraint(
                fields=["order_number", "kind", "reference"], name="diller_one_item_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_number}: {self.get_kind_display()} {self.reference}"


class CouponClaim(models.Model):
    """One of a limited coupon's remaining uses, held by a basket on its way to an order.

    A coupon with N uses left has slots 1..N; the unique constraint lets one basket hold each,
    so however many checkouts run at once, at most N orders get the coupon. A claim whose
    basket never became an order expires (``CLAIM_MINUTES``); one attached to an order ends
    when the order is cancelled or Diller has counted the use.
    """

    store_id = models.CharField(_("store id"), max_length=100)
    member_id = models.CharField(_("member id"), max_length=100)
    code = models.CharField(_("coupon code"), max_length=100)
    slot = models.PositiveIntegerField(_("slot"))
    basket_id = models.PositiveBigIntegerField(_("basket id"))
    order_number = models.CharField(_("order number"), max_length=128, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("coupon claim")
        verbose_name_plural = _("coupon claims")
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "member_id", "code", "slot"], name="diller_one_claim_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} #{self.slot} ({self.order_number or self.basket_id})"


class NonEligibleSnapshot(models.Model):
    """The last copy of Diller's non-eligible product list for a store (one row per store).

    Pricing reads the list from the cache and, when the cache is cold, from here: it never
    calls Diller. ``items`` are Diller's entries as it sent them (``NonEligibleProductResponse``).
    """

    store_id = models.CharField(_("store id"), max_length=100, unique=True)
    items = models.JSONField(_("entries"), default=list, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        verbose_name = _("Diller non-eligible list")
        verbose_name_plural = _("Diller non-eligible lists")

    def __str__(self) -> str:
        return f"{self.store_id} ({len(self.items)})"


class NonEligibleEntry(models.Model):
    """A product id the shop keeps on Diller's non-eligible list, and where that stands.

    ``wanted`` is what the shop's own marks ask for; ``diller_id`` the entry's id at Diller
    once it is there. A row that is no longer wanted is deleted at Diller and then here.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be pushed")
        PUSHED = "pushed", _("pushed")
        ERROR = "error", _("failed")

    store_id = models.CharField(_("store id"), max_length=100)
    product_id = models.CharField(_("product id at Diller"), max_length=150)
    description = models.CharField(_("description"), max_length=255, blank=True)
    wanted = models.BooleanField(
        _("on the list"),
        default=True,
        help_text=_("False: the product was unmarked and its entry is to be deleted at Diller."),
    )
    diller_id = models.IntegerField(_("id at Diller"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("non-eligible entry at Diller")
        verbose_name_plural = _("non-eligible entries at Diller")
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "product_id"], name="diller_one_non_eligible_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ({self.get_state_display()})"
