"""``manage.py load_demo_shop``: the Kaffebrenneriet demo shop, created or brought up to date.

Idempotent: every object is looked up by a natural key (product class slug, category name,
product UPC, partner name, stock record SKU, country code, e-mail address) and updated in place,
so running it again changes nothing but resets the demo passwords, prices and stock levels.

Gift cards are not eligible for loyalty out of the box: their product class carries the
plugin's mark, so they take no coupon or stamp, and the plugin puts them on Diller's
non-eligible list (no points at the tills either).

The payment and shipping event types the shop's ``DILLER`` settings act on (``SEND_ON_*`` and
``RETURN_ON_*``: "Settled" and "Refunded" by default) are created too, so that staff can record
a payment or a partial return in Oscar's dashboard without making the types by hand.

The chain's discount rules (``example_shop/demo_discounts.py``) are loaded through the Discount
API's own checks, the demo's staff user is made an employee, and the back office gets its API
client (``demo-backoffice`` / ``demo-backoffice-secret``, client credentials): its secret is
stored hashed, as every application's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import Application
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from django_diller.conf import app_settings
from django_diller.contrib.oscar.models import NonEligibleMark
from django_diller.discountapi.api.serializers import DiscountSerializer
from django_diller.discountapi.conf import discount_api_settings
from django_diller.discountapi.models import Discount
from example_shop.demo_catalogue import DEMO_PRODUCTS, NOT_ELIGIBLE_FOR_LOYALTY, DemoProduct
from example_shop.demo_discounts import (
    DEMO_BACKOFFICE_CLIENT_ID,
    DEMO_BACKOFFICE_NAME,
    DEMO_BACKOFFICE_SECRET,
    DEMO_DISCOUNTS,
)
from example_shop.shop.vat import VAT_RATE_BY_PRODUCT_CLASS

Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
PaymentEventType = get_model("order", "PaymentEventType")
ShippingEventType = get_model("order", "ShippingEventType")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

PARTNER_NAME = "Kaffebrenneriet"
STOCK_LEVEL = 1000

# slug -> (name, requires shipping, tracks stock); the slug is also the VAT group.
PRODUCT_CLASSES = {
    "food": ("Food (15 % VAT)", True, True),
    "goods": ("Goods (25 % VAT)", True, True),
    "gift-card": ("Gift card (no VAT)", False, False),
}
PRODUCT_CLASS_BY_RATE = {rate: slug for slug, rate in VAT_RATE_BY_PRODUCT_CLASS.items()}

# (alpha-2, alpha-3, numeric, short name, official name, display order): Nordic shipping
# countries, Norway first (Oscar sorts by descending display order).
COUNTRIES = (
    ("NO", "NOR", "578", "Norway", "Kingdom of Norway", 10),
    ("SE", "SWE", "752", "Sweden", "Kingdom of Sweden", 0),
    ("DK", "DNK", "208", "Denmark", "Kingdom of Denmark", 0),
    ("FI", "FIN", "246", "Finland", "Republic of Finland", 0),
)

# (e-mail, password, first name, last name, staff)
DEMO_USERS = (
    ("staff@example.com", "staff-demo-pass", "Siri", "Staff", True),
    ("customer@example.com", "customer-demo-pass", "Kari", "Nordmann", False),
    ("other@example.com", "other-demo-pass", "Ola", "Nordmann", False),
)


class Command(BaseCommand):
    help = "Create or update the Kaffebrenneriet demo shop: catalogue, stock, users and site."

    def add_arguments(self, parser):
        parser.add_argument(
            "--domain",
            default="localhost:8000",
            help="Domain of the current Site (default: localhost:8000).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        self.load_site(options["domain"])
        self.load_countries()
        product_classes = self.load_product_classes()
        partner, _created = Partner.objects.get_or_create(name=PARTNER_NAME)
        for item in DEMO_PRODUCTS:
            self.load_product(item, product_classes, partner)
        for slug in NOT_ELIGIBLE_FOR_LOYALTY:
            NonEligibleMark.objects.get_or_create(product_class=product_classes[slug])
        self.load_event_types()
        users = [self.load_user(*user) for user in DEMO_USERS]
        self.load_discounts()
        employees, _created = Group.objects.get_or_create(name=discount_api_settings.EMPLOYEE_GROUP)
        employees.user_set.add(*[user for user in users if user.is_staff])
        self.load_backoffice_client()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop ready: {len(DEMO_PRODUCTS)} products from {PARTNER_NAME} "
                f"at http://{options['domain']}/"
            )
        )
        self.stdout.write("Logins (e-mail / password):")
        for (email, password, *_rest), user in zip(DEMO_USERS, users, strict=True):
            role = "staff, dashboard at /dashboard/" if user.is_staff else "customer"
            self.stdout.write(f"  {email} / {password}  ({role})")
        self.stdout.write(
            f"Discount API client (client credentials at /o/token/, API at /api/discounts): "
            f"{DEMO_BACKOFFICE_CLIENT_ID} / {DEMO_BACKOFFICE_SECRET}"
        )

    def load_site(self, domain: str) -> None:
        Site.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.OSCAR_SHOP_NAME}
        )
        Site.objects.clear_cache()

    def load_countries(self) -> None:
        for alpha2, alpha3, numeric, name, official_name, display_order in COUNTRIES:
            Country.objects.update_or_create(
                iso_3166_1_a2=alpha2,
                defaults={
                    "iso_3166_1_a3": alpha3,
                    "iso_3166_1_numeric": numeric,
                    "printable_name": name,
                    "name": official_name,
                    "display_order": display_order,
                    "is_shipping_country": True,
                },
            )

    def load_event_types(self) -> None:
        payment = [*app_settings.SEND_ON_PAYMENT_EVENTS, *app_settings.RETURN_ON_PAYMENT_EVENTS]
        for name in dict.fromkeys(payment):
            PaymentEventType.objects.get_or_create(name=name)
        for name in dict.fromkeys(app_settings.RETURN_ON_SHIPPING_EVENTS):
            ShippingEventType.objects.get_or_create(name=name)

    def load_product_classes(self) -> dict:
        classes = {}
        for slug, (name, requires_shipping, track_stock) in PRODUCT_CLASSES.items():
            classes[slug], _created = ProductClass.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "requires_shipping": requires_shipping,
                    "track_stock": track_stock,
                },
            )
        return classes

    def load_product(self, item: DemoProduct, product_classes: dict, partner) -> None:
        product_class = product_classes[PRODUCT_CLASS_BY_RATE[item.tax_rate]]
        product, _created = Product.objects.update_or_create(
            upc=item.upc,
            defaults={
                "title": item.title,
                "product_class": product_class,
                "structure": Product.STANDALONE,
                "is_public": True,
            },
        )
        category = create_from_breadcrumbs(item.category)  # gets or creates the category
        ProductCategory.objects.get_or_create(product=product, category=category)
        # StockRecord.price is the VAT-inclusive shelf price (see example_shop/shop/strategy.py).
        StockRecord.objects.update_or_create(
            partner=partner,
            partner_sku=item.upc,
            defaults={
                "product": product,
                "price": item.price_incl_tax,
                "price_currency": settings.OSCAR_DEFAULT_CURRENCY,
                "num_in_stock": STOCK_LEVEL,
            },
        )

    def load_user(self, email, password, first_name, last_name, is_staff):
        User = get_user_model()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(username=email, email=email)
        user.first_name = first_name
        user.last_name = last_name
        user.is_active = True
        user.is_staff = is_staff
        user.is_superuser = is_staff
        user.set_password(password)
        user.save()
        return user

    def load_discounts(self) -> None:
        """The demo's discount rules, read and checked as the Discount API reads a body."""
        for document in DEMO_DISCOUNTS:
            serializer = DiscountSerializer(data=document)
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
            discount_id = values.pop("discount_id")
            discount = Discount.objects.filter(discount_id=discount_id).first()
            discount = discount or Discount(discount_id=discount_id)
            for field, value in values.items():
                setattr(discount, field, value)
            discount.full_clean()
            discount.save()

    def load_backoffice_client(self) -> None:
        """The back office's OAuth2 application; the plain secret is hashed when it is saved."""
        client = Application.objects.filter(client_id=DEMO_BACKOFFICE_CLIENT_ID).first()
        client = client or Application(client_id=DEMO_BACKOFFICE_CLIENT_ID)
        client.name = DEMO_BACKOFFICE_NAME
        client.client_type = Application.CLIENT_CONFIDENTIAL
        client.authorization_grant_type = Application.GRANT_CLIENT_CREDENTIALS
        client.hash_client_secret = True
        client.client_secret = DEMO_BACKOFFICE_SECRET
        client.save()
