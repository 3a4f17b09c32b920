"""Fork of Oscar's ``shipping`` app: only to provide ``repository.Repository``."""
