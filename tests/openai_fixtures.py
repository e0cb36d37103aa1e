"""Pytest fixtures for the OpenAI backend tests: a live stub server and settings for it.

Test modules that need them say ``pytest_plugins = ["tests.openai_fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from refcodec.backends.settings import BackendSettings
from tests.openai_server import TEST_KEY, StubServer, settings_for


@pytest.fixture
def stub_server() -> Iterator[StubServer]:
    """A running OpenAI-compatible server on 127.0.0.1 (a free port), key ``TEST_KEY``."""
    with StubServer(api_key=TEST_KEY) as server:
        yield server


@pytest.fixture
def stub_settings(stub_server: StubServer) -> BackendSettings:
    settings: BackendSettings = settings_for(stub_server)
    return settings
