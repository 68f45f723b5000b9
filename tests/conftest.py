from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.repo import Repo, make_repo


@pytest.fixture(scope="session")
def key_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keys made once for the whole session (ssh-keygen for RSA is slow)."""
    return tmp_path_factory.mktemp("keys")


@pytest.fixture
def repo(tmp_path: Path, key_folder: Path) -> Repo:
    """A fresh site repository with roster, policy and keys, and no posts."""
    return make_repo(tmp_path / "site", key_folder)
