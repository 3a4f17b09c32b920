"""Fork of Oscar's ``partner`` app: only to provide ``strategy.Selector`` (VAT-inclusive prices)."""
