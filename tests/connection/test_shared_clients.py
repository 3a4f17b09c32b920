"""The shared clients of an outside system: built once per settings key, closed on reset."""

import threading

from django.core.signals import setting_changed
from django.test import override_settings

from django_diller.shared_clients import SharedClients


class Client:
    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_client_is_built_once_per_key():
    shared = SharedClients(new_sandbox=object)
    built = []

    def build(name):
        def make():
            built.append(name)
            return Client(name)

        return make

    first = shared.get(("a", 1), build("a"))
    assert shared.get(("a", 1), build("again")) is first
    other = shared.get(("b", 1), build("b"))
    assert other is not first and built == ["a", "b"]


def test_of_two_threads_building_at_once_one_client_is_kept_and_the_other_closed():
    shared = SharedClients(new_sandbox=object)
    both_building = threading.Barrier(2)
    made, got = [], []

    def make():
        client = Client(f"client {len(made)}")
        made.append(client)
        both_building.wait(timeout=5)
        return client

    threads = [threading.Thread(target=lambda: got.append(shared.get("k", make))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(made) == 2 and got[0] is got[1]
    (lost,) = [client for client in made if client is not got[0]]
    assert lost.closed and not got[0].closed


def test_reset_closes_the_clients_and_forgets_the_sandbox():
    shared = SharedClients(new_sandbox=object)
    client, sandbox = shared.get("k", lambda: Client("k")), shared.sandbox()
    assert shared.sandbox() is sandbox
    shared.reset()
    assert client.closed
    assert shared.sandbox() is not sandbox
    assert shared.get("k", lambda: Client("new")).name == "new"


def test_a_change_of_a_watched_setting_resets():
    shared = SharedClients(new_sandbox=object)
    shared.forget_on_change(frozenset({"WATCHED"}), "test-shared-clients")
    try:
        client = shared.get("k", lambda: Client("k"))
        with override_settings(UNWATCHED=1):
            assert not client.closed
        with override_settings(WATCHED=1):
            assert client.closed
    finally:
        setting_changed.disconnect(dispatch_uid="test-shared-clients")
