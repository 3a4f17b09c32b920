"""The store the member flows work on: :class:`MemberService`.

Every flow of the shopper pages (:mod:`.join`, :mod:`.code_link`, :mod:`.activation`,
:mod:`.membership`, :mod:`.overview`) takes one as its first argument: the store's id and its
Diller client, the only way those pages talk to Diller about members.
"""

from __future__ import annotations

from ..loyalty.connection import current_store_id, get_client


class MemberService:
    """Members of one store (the configured one unless given); also the signals' sender."""

    def __init__(self, store_id: str | None = None):
        self.store_id = store_id or current_store_id() or ""
        self.client = get_client(self.store_id)
