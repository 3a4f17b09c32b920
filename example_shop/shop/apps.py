from django.apps import AppConfig


class DemoShopConfig(AppConfig):
    name = "example_shop.shop"
    label = "demo_shop"
    verbose_name = "Kaffebrenneriet demo shop"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment check)
