from pathlib import Path

import pytest

from paritrana.core.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`PARITRANA_{name.upper()}`" not in text]
    assert not missing, f"docs/configuration.md does not document: {missing}"


@pytest.mark.parametrize("placeholder", ["changethis", "CHANGEME", "secret"])
def test_placeholder_secret_is_refused_outside_debug(placeholder: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="placeholder"):
        Settings(secret_key=placeholder, debug=False, data_dir=tmp_path)


def test_placeholder_secret_is_allowed_in_debug(tmp_path: Path) -> None:
    assert Settings(secret_key="changethis", debug=True, data_dir=tmp_path).effective_secret_key() == "changethis"


def test_empty_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).effective_secret_key()
    second = Settings(data_dir=tmp_path).effective_secret_key()
    assert first == second and len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_under_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARITRANA_DATABASE_URL", raising=False)
    assert Settings(data_dir=tmp_path).effective_database_url == f"sqlite:///{tmp_path / 'paritrana.sqlite3'}"


def test_allowed_hosts_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARITRANA_ALLOWED_HOSTS", "paritrana.example.go.id, localhost")
    assert Settings(data_dir=tmp_path).allowed_hosts == ["paritrana.example.go.id", "localhost"]


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="language"):
        Settings(language="fr", data_dir=tmp_path)


def test_passwords_are_hashed_with_argon2() -> None:
    import importlib

    import paritrana.settings as production

    assert importlib.reload(production).PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
