"""The async client in Django's async code: no ORM on the event loop, one client per loop."""

import asyncio

import pytest
from django.test import override_settings

from django_diller.loyalty.connection import aget_client
from django_diller.sandbox import Sandbox, running_server
from django_diller.sandbox.seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
)

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "tokens": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "diller_tokens",
    },
}


@pytest.fixture
def diller_over_http():
    sandbox = Sandbox()
    with running_server(sandbox) as url:
        yield (
            sandbox,
            {
                "BASE_URL": url,
                "CLIENT_ID": SANDBOX_CLIENT_ID,
                "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
                "STORE_ID": SEED_STORE_ID,
                "DEPARTMENT_ID": "dept-webshop",
            },
        )


def test_an_async_view_can_use_the_client_with_a_database_token_cache(diller_over_http):
    from django.core.management import call_command

    sandbox, diller = diller_over_http
    with override_settings(CACHES=DATABASE_CACHE, DILLER={**diller, "TOKEN_CACHE": "tokens"}):
        call_command("createcachetable", "diller_tokens")

        async def view():
            client = await aget_client()  # the store id comes from the database, off the loop
            return await client.get_member_coupons(SEED_MEMBER_ID)

        assert asyncio.run(view())
    assert sandbox.token_requests == 1


def test_each_event_loop_gets_a_client_that_works_in_it(diller_over_http):
    sandbox, diller = diller_over_http
    with override_settings(DILLER=diller):

        async def call():
            return await (await aget_client()).get_segments()

        assert asyncio.run(call())
        assert asyncio.run(call())  # a second loop, e.g. the next Celery task
    assert sandbox.token_requests == 1
