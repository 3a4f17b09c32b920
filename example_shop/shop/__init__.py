"""The demo shop: catalogue loader, pricing strategy, shipping methods and thumbnails."""
