"""Backend settings: explicit > environment > config file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcodec.backends.settings import DEFAULT_PRICES, BackendSettings, Price, resolve_settings
from refcodec.backends.usage import Usage
from refcodec.errors import UsageError


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_env_or_config(tmp_path: Path) -> None:
    settings = resolve_settings(env={"GPC_CONFIG": str(_config(tmp_path, ""))})
    assert settings.caption_model == "gpt-5.4-mini"
    assert settings.image_model == "gpt-image-2"
    assert settings.api_key is None
    assert settings.response_format is None


def test_precedence(tmp_path: Path) -> None:
    config = _config(tmp_path, 'caption_model = "from-config"\nimage_model = "img-config"\n'
                               'timeout = 7\nbase_url = "http://config/v1"\n')
    env = {"GPC_CONFIG": str(config), "GPC_IMAGE_MODEL": "img-env", "OPENAI_API_KEY": "k-env",
           "OPENAI_BASE_URL": "http://env/v1"}
    settings = resolve_settings({"base_url": "http://flag/v1", "caption_model": None}, env=env)
    assert settings.caption_model == "from-config"
    assert settings.image_model == "img-env"
    assert settings.base_url == "http://flag/v1"
    assert settings.timeout == 7.0
    assert settings.api_key == "k-env"


def test_backend_table_prices_and_default_path(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / ".config" / "gpc"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(
        '[backend]\nconcurrency = 9\nextra_body = {seed = 3}\n'
        '[prices."my-model"]\ntext_input = 1.0\n')
    settings = resolve_settings(env={})
    assert settings.concurrency == 9
    assert settings.extra_body == {"seed": 3}
    assert settings.prices["my-model"] == Price(text_input=1.0)
    assert settings.prices["gpt-image-2"] == DEFAULT_PRICES["gpt-image-2"]


def test_api_key_env_and_azure(tmp_path: Path) -> None:
    config = str(_config(tmp_path, ""))
    env = {"GPC_CONFIG": config, "MINE": "k-mine", "AZURE_OPENAI_ENDPOINT": "https://x.azure",
           "AZURE_OPENAI_API_KEY": "k-azure", "OPENAI_API_VERSION": "2026-01-01"}
    assert resolve_settings({"api_key_env": "MINE"}, env=env).api_key == "k-mine"
    azure = resolve_settings(env=env)
    assert azure.is_azure
    assert (azure.api_key, azure.api_key_env) == ("k-azure", "AZURE_OPENAI_API_KEY")
    assert azure.api_version == "2026-01-01"


@pytest.mark.parametrize(("text", "match"), [
    ("nonsense = 1\n", "unknown setting"),
    ("timeout = 'soon'\n", "must be a number"),
    ("timeout = [\n", "cannot read config"),
    ("max_tokens_param = 'tokens'\n", "max_tokens_param"),
    ("response_format = 'jpeg'\n", "response_format"),
    ("concurrency = 0\n", "concurrency"),
])
def test_bad_config(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        resolve_settings(config_file=_config(tmp_path, text), env={})


def test_missing_named_config(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        resolve_settings(config_file=tmp_path / "absent.toml", env={})
    with pytest.raises(UsageError, match="unknown backend setting"):
        resolve_settings({"colour": "red"}, env={"GPC_CONFIG": str(_config(tmp_path, ""))})


def test_cost_estimate() -> None:
    usage = Usage()
    usage.add_images(None, 1)
    settings = BackendSettings(prices={"gpt-image-2": Price(image_output=30.0),
                                       "gpt-5.4-mini": Price(text_input=1.0, text_output=2.0)})
    assert usage.estimated_cost(settings) == 0.0
    assert usage.unreported == 1
    usage.image_output_tokens = 1_000_000
    usage.caption_requests, usage.caption_input_tokens = 1, 500_000
    assert usage.estimated_cost(settings) == pytest.approx(30.5)
    assert "estimate" in usage.summary(settings)
    assert Usage(images=1).estimated_cost(BackendSettings(image_model="x", prices={})) is None
