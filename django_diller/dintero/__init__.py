"""Dintero receipts provider."""
