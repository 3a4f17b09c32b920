import pytest

from django_diller.api import AsyncDillerClient, ClientConfig, DillerClient, RetryPolicy, Timeouts
from django_diller.sandbox import AsyncSandboxTransport, Sandbox, SandboxTransport
from django_diller.sandbox.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SEED_STORE_ID

BASE_URL = "https://sandbox.diller.invalid"


def make_config(base_url=BASE_URL, **overrides) -> ClientConfig:
    values = {
        "base_url": base_url,
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "store_id": SEED_STORE_ID,
        "timeouts": Timeouts(connect=1.0, read=2.0),
        "retry": RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.005),
    }
    values.update(overrides)
    return ClientConfig(**values)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=True)


@pytest.fixture
def client(sandbox) -> DillerClient:
    with DillerClient(make_config(), transport=SandboxTransport(sandbox)) as diller:
        yield diller


@pytest.fixture
def async_client(sandbox) -> AsyncDillerClient:
    return AsyncDillerClient(make_config(), transport=AsyncSandboxTransport(sandbox))


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Records the client's waits between retries instead of sleeping."""
    waits: list[float] = []
    monkeypatch.setattr("django_diller.api.client.time.sleep", waits.append)
    return waits
