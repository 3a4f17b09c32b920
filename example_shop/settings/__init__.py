"""Settings of the example shop: ``base`` (shared), ``dev`` (``make demo``) and ``test``."""
