from django.apps import AppConfig


class DemoShopConfig(AppConfig):
    name = "example_shop.shop"
    label = "demo_shop"
    verbose_name = "Kaffebrenneriet demo shop"
