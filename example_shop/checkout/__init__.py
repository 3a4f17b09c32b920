"""Fork of Oscar's ``checkout`` app whose payment step records a settled demo payment."""
