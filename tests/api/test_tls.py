"""Every client of the process verifies servers with one TLS context, built once."""

import asyncio
import ssl
import threading

import pytest

from django_diller.api import AsyncDillerClient, DillerClient, tls
from django_diller.coupontools.api.client import CoupontoolsClient
from django_diller.dintero.api.client import DinteroClient
from django_diller.sandbox import running_server
from tests.coupontools.api.conftest import make_config as coupontools_config
from tests.dintero.api.conftest import make_config as dintero_config

from .conftest import make_config


@pytest.fixture
def contexts_built(monkeypatch) -> list[ssl.SSLContext]:
    """Every ``ssl.SSLContext`` made while the test runs."""
    built: list[ssl.SSLContext] = []
    make = ssl.SSLContext.__new__

    def counting(cls, *args, **kwargs):
        context = make(cls, *args, **kwargs)
        built.append(context)
        return context

    monkeypatch.setattr(ssl.SSLContext, "__new__", counting)
    return built


def test_the_context_is_built_once_however_many_threads_ask_first(monkeypatch, contexts_built):
    monkeypatch.setattr(tls, "_context", None)
    start = threading.Barrier(8)
    seen: list[ssl.SSLContext] = []

    def ask() -> None:
        start.wait()
        seen.append(tls.shared_tls_context())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(contexts_built) == 1
    assert all(context is contexts_built[0] for context in seen)
    assert seen[0].verify_mode == ssl.CERT_REQUIRED
    assert seen[0].check_hostname


def test_clients_and_token_fetches_build_no_context_of_their_own(contexts_built):
    shared = tls.shared_tls_context()
    built_before = len(contexts_built)
    from django_diller.sandbox import Sandbox

    sandbox = Sandbox(seed=True)
    with running_server(sandbox) as url:
        with DillerClient(make_config(base_url=url)) as diller:
            diller.get_segments()
            sandbox.revoke_tokens()
            diller.get_segments()

        async def use_async() -> None:
            async with AsyncDillerClient(make_config(base_url=url)) as diller:
                await diller.get_segments()

        asyncio.run(use_async())
        CoupontoolsClient(coupontools_config()).close()
        DinteroClient(dintero_config()).close()
    assert sandbox.token_requests == 3  # the sync client's two, the async client's one
    assert contexts_built[built_before:] == []
    assert tls.shared_tls_context() is shared
