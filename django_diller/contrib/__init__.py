"""Integrations with other frameworks; each subpackage may import its framework."""
