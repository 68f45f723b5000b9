"""Chinese search in a real browser: headless Chromium on a locally served built site.

The site is built with ``portal build`` from the signed fixture repository of
``test_build``, served by ``http.server`` on 127.0.0.1 (a free port, in a thread), and
opened at ``/?q=<word>``: Material for MkDocs opens the search with that query (see
``searchParams.has("q")`` in its bundle). Chromium is driven over the DevTools
protocol on a pipe (``--remote-debugging-pipe``: commands on fd 3, replies on fd 4,
each a JSON text ended by a NUL byte); every wait is bounded.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from pipeline.main import main
from pipeline.site import page_path
from tests.helpers.serve import serving
from tests.test_build import NOTICE_TITLE, SEARCH_WORD, make_site_repo

CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 60.0
NO_RESULTS = "没有找到符合条件的结果"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory, key_folder: Path) -> Path:
    repo = make_site_repo(tmp_path_factory.mktemp("browser") / "repo", key_folder)
    assert main(["--root", str(repo.root), "build", "--exclude-unapproved"]) == 0
    return repo.root / "site"


@pytest.fixture
def server(built_site: Path) -> Iterator[str]:
    """The built site on http://127.0.0.1:<free port>/, shut down afterwards."""
    with serving(built_site) as url:
        yield url


class DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, user_data_dir: Path) -> None:
        to_browser, self._write = _pipe()
        self._read, from_browser = _pipe()
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={user_data_dir}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # bash puts the pipe ends where Chromium expects them: fd 3 in, fd 4 out.
        script = f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}'
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", script, CHROMIUM, *flags],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
    ) -> dict[str, Any]:
        """Send one command and wait (bounded) for its reply."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method}
        message["params"] = params or {}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 65536)
                if not chunk:
                    raise AssertionError("Chromium closed the debugging pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def close(self) -> None:
        """Ask Chromium to quit; kill it if it does not within the bound."""
        try:
            self.send("Browser.close")
        except (AssertionError, OSError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        os.close(self._read)
        os.close(self._write)


def _pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered 10 or above, clear of fds 3 and 4."""
    read, write = os.pipe()
    ends = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (read, write))
    os.close(read)
    os.close(write)
    return ends[0], ends[1]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    devtools = DevTools(tmp_path / "chromium-profile")
    try:
        yield devtools
    finally:
        devtools.close()


def search(browser: DevTools, url: str) -> tuple[str, list[dict[str, str]]]:
    """Open ``url`` in a new tab; poll (bounded) until the search has answered.

    Returns the result summary line and each result's path and text.
    """
    target = browser.send("Target.createTarget", {"url": url})["targetId"]
    session = browser.send(
        "Target.attachToTarget", {"targetId": target, "flatten": True}
    )["sessionId"]
    expression = """JSON.stringify({
        meta: (document.querySelector('.md-search-result__meta') || {}).textContent || '',
        results: Array.from(document.querySelectorAll(
            '.md-search-result__item a.md-search-result__link'))
          .map(a => ({path: decodeURIComponent(new URL(a.href).pathname),
                      text: a.textContent}))})"""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        reply = browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session,
        )
        state = json.loads(reply.get("result", {}).get("value") or "{}")
        meta: str = state.get("meta", "").strip()
        results: list[dict[str, str]] = state.get("results", [])
        if results or meta == NO_RESULTS:
            return meta, results
        time.sleep(0.2)
    raise AssertionError(f"the search for {url} did not answer within {TIMEOUT} s")


def test_chinese_word_finds_its_page(browser: DevTools, server: str) -> None:
    meta, results = search(browser, f"{server}?q={quote(SEARCH_WORD)}")
    expected = "/" + page_path("notices/科技创新券申报通知.md").removesuffix(
        "index.html"
    )
    assert expected in [result["path"] for result in results], (meta, results)
    # Titles are shown as indexed: segmented with zero-width spaces.
    shown = [result["text"].replace("\u200b", "") for result in results]
    assert any(NOTICE_TITLE in text and SEARCH_WORD in text for text in shown), shown


@pytest.mark.parametrize("word", ["秘钥", "QZX9"])
def test_unapproved_words_find_nothing(
    browser: DevTools, server: str, word: str
) -> None:
    """Words of the draft that was left out find nothing."""
    meta, results = search(browser, f"{server}?q={quote(word)}")
    assert (meta, results) == (NO_RESULTS, [])
