import time

from django_diller.api.auth import AccessToken
from django_diller.token_cache import DjangoCacheTokenStore


def test_tokens_round_trip_through_the_django_cache():
    store = DjangoCacheTokenStore("default")
    token = AccessToken("abc", time.time() + 300)
    store.set("k", token)
    assert store.get("k") == token


def test_the_fetch_lock_is_exclusive_until_its_owner_releases_it():
    store = DjangoCacheTokenStore("default")
    owner = store.try_lock("lock", ttl=10)
    assert owner
    assert store.try_lock("lock", ttl=10) is None
    store.unlock("lock", "someone-else")  # a holder whose lock expired must not free ours
    assert store.try_lock("lock", ttl=10) is None
    store.unlock("lock", owner)
    assert store.try_lock("lock", ttl=10)


def test_a_token_stays_cached_for_all_of_its_life():
    store = DjangoCacheTokenStore("default")
    store.set("k", AccessToken("abc", time.time() + 1.9))
    time.sleep(1.2)  # an entry cut to whole seconds downwards would be gone by now
    assert store.get("k") is not None
