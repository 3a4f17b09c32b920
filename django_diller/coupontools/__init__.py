"""Coupontools vouchers provider."""
