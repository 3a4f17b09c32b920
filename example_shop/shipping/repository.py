"""Oscar loads ``shipping.repository.Repository`` from here; it lives in the shop app."""

from example_shop.shop.shipping import Repository, Standard

__all__ = ["Repository", "Standard"]
