"""Views of the loyalty pages."""
