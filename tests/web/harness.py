"""The real server (`server.runtime.run_server`, as `videotermin serve` runs it) on 127.0.0.1 with
e-mail going to a real SMTP server (aiosmtpd), and one Debian Chromium per test module.

Playwright's sync API must stay on the thread that started it, so the browser lives on its own
thread and tests hand it work (`BrowserThread.run`, awaited from trio). Screenshots of every
step go to docs/screenshots/ (README "Screenshots").
"""

from __future__ import annotations

import email
import email.policy
import queue
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import trio

from bench.chromium import chromium
from server.config import (
    Config,
    HttpConfig,
    MailConfig,
    MediaConfig,
    SiteConfig,
    StorageConfig,
)
from server.runtime import RunningServer, run_server
from tests.server.conftest import fast_passwords
from tests.server.mailserver import Recorder, smtp_server

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
ZONE = ZoneInfo("Europe/Berlin")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
T = TypeVar("T")


def web_config(tmp_path: Path, smtp_port: int) -> Config:
    return Config(
        http=HttpConfig(port=0, graceful_shutdown_seconds=2),
        media=MediaConfig(udp_port=0),
        storage=StorageConfig(data_dir=str(tmp_path / "data")),
        mail=MailConfig(mode="smtp", smtp_host="127.0.0.1", smtp_port=smtp_port,
                        smtp_starttls=False, from_address="termine@buergeramt.example",
                        smtp_timeout_seconds=5, retry_base_seconds=1),
        site=SiteConfig(organisation="Bürgeramt Musterstadt", contact_phone="030 1234567"),
    )


@dataclass
class Site:
    """The running service, its SMTP catcher, the signalling hub and an advisor account."""

    running: RunningServer
    mail: Recorder
    token: trio.lowlevel.TrioToken
    hub: Any
    advisor_id: int = 0

    @property
    def url(self) -> str:
        return self.running.http_url

    def in_trio(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` in the server's trio thread (from the browser thread)."""
        return trio.from_thread.run_sync(fn, *args, trio_token=self.token)

    def wait_for_mail(self, count: int, seconds: float = 20) -> EmailMessage:
        deadline = time.monotonic() + seconds
        while len(self.mail.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail #{count} within {seconds} s")
            time.sleep(0.1)
        parsed = email.message_from_bytes(self.mail.messages[count - 1],
                                          policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"(http://127\.0\.0\.1:\d+/t/[A-Za-z0-9_-]{43})", body.get_content())
    assert found, "no access link in the e-mail"
    return found.group(1)


def soon(minutes: int = 10) -> tuple[str, str]:
    """(date, time) for the console's form, `minutes` ahead in the site's time zone."""
    when = datetime.now(ZONE) + timedelta(minutes=minutes)
    return when.strftime("%Y-%m-%d"), when.strftime("%H:%M")


@asynccontextmanager
async def running_site(tmp_path: Path) -> AsyncIterator[Site]:
    """The whole service on 127.0.0.1 with an advisor "alice"; stopped on the way out.

    `run_server` does not hand out the signalling hub; the tests that inject SFU events need
    it, so `build_service` is wrapped while the server starts."""
    import server.signalling.service as signalling_service

    hubs: list[Any] = []
    original = signalling_service.build_service

    def capture(*args: Any, **kwargs: Any) -> Any:
        service = original(*args, **kwargs)
        hubs.append(service.hub)
        return service

    with smtp_server() as (recorder, port):
        config = web_config(tmp_path, port)
        async with trio.open_nursery() as nursery:
            signalling_service.build_service = capture
            try:
                running: RunningServer = await nursery.start(
                    lambda task_status: run_server(config, task_status=task_status,
                                                   passwords=fast_passwords(),
                                                   handle_signals=False))
            finally:
                signalling_service.build_service = original
            advisor, _ = await running.services.accounts.add("alice", "Alice Berger",
                                                             password=PASSWORD)
            site = Site(running, recorder, trio.lowlevel.current_trio_token(), hubs[0],
                        advisor.id)
            try:
                yield site
            finally:
                running.request_shutdown()
                nursery.cancel_scope.deadline = trio.current_time() + 8


class BrowserThread:
    """One Chromium on its own thread; `run(fn)` executes `fn(browser)` there."""

    def __init__(self, extra_args: tuple[str, ...] = ()) -> None:
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._main, args=(extra_args,), daemon=True)
        self._thread.start()
        self._ready.wait(60)
        if self._failed is not None:
            raise self._failed

    def _main(self, extra_args: tuple[str, ...]) -> None:
        try:
            with chromium(extra_args) as browser:
                self._ready.set()
                while (job := self._jobs.get()) is not None:
                    fn, box, done = job
                    try:
                        box["result"] = fn(browser)
                    except BaseException as error:  # handed back to the test
                        box["error"] = error
                    done.set()
        except BaseException as error:
            self._failed = error
            self._ready.set()

    def call(self, fn: Callable[[Any], T], timeout: float) -> T:
        box: dict[str, Any] = {}
        done = threading.Event()
        self._jobs.put((fn, box, done))
        if not done.wait(timeout):
            raise TimeoutError(f"browser work took over {timeout} s")
        if "error" in box:
            raise box["error"]
        result: T = box["result"]
        return result

    async def run(self, fn: Callable[[Any], T], timeout: float = 150) -> T:
        return await trio.to_thread.run_sync(self.call, fn, timeout)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(20)


@contextmanager
def browser_thread(extra_args: tuple[str, ...] = ()) -> Iterator[BrowserThread]:
    thread = BrowserThread(extra_args)
    try:
        yield thread
    finally:
        thread.close()


async def in_browser(tmp_path: Path, steps: Callable[[Site, Any], T],
                     extra_args: tuple[str, ...] = (), seconds: float = 170) -> T:
    """Start the site and a browser, run `steps(site, browser)` on the browser's thread."""
    with trio.fail_after(seconds):
        async with running_site(tmp_path) as site:
            with browser_thread(extra_args) as browser:
                return await browser.run(lambda b: steps(site, b), seconds)


def shot(page: Any, name: str) -> None:
    """A screenshot of the page as a person sees it now, into docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False, animations="disabled")


def poll(page: Any, expression: str, predicate: Callable[[Any], bool], seconds: float,
         what: str) -> Any:
    """Evaluate `expression` until `predicate` holds; fail with the last value after
    `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = page.evaluate(expression)
        if predicate(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {value}")
        time.sleep(0.2)


def no_overflow(page: Any) -> dict[str, Any]:
    """Elements wider than the viewport (a horizontal scrollbar on a phone)."""
    result: dict[str, Any] = page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      const wide = [];
      for (const el of document.querySelectorAll('body *')) {
        if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || el.closest('.skip, .visually-hidden')) continue;
        if (r.right > width + 1) wide.push(el.tagName + '#' + el.id + '.' +
          el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
      }
      return {width, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
    }""")
    return result

