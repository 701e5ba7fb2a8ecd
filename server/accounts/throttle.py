"""Throttling of failed logins, per account and per client address (sans-I/O, explicit `now`).

A sliding window: once an account (or an address) has `limit` failures within `window`, further
attempts are refused until the oldest of those failures leaves the window. Usernames that do not
exist are throttled exactly like real ones, so the throttle does not reveal which accounts exist.
Memory is bounded: at most `max_keys` accounts and addresses are tracked; the least recently
failed are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta


class _Window:
    def __init__(self, limit: int, window: timedelta, max_keys: int) -> None:
        self._limit = limit
        self._window = window
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def blocked_until(self, key: str, now: datetime) -> datetime | None:
        times = self._recent(key, now)
        if times is None or len(times) < self._limit:
            return None
        return times[-self._limit] + self._window

    def fail(self, key: str, now: datetime) -> None:
        times = self._recent(key, now) or deque(maxlen=self._limit)
        times.append(now)
        self._failures[key] = times
        self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


class LoginThrottle:
    def __init__(
        self, *, per_account: int, per_address: int, window: timedelta, max_keys: int = 10_000
    ) -> None:
        self._accounts = _Window(per_account, window, max_keys)
        self._addresses = _Window(per_address, window, max_keys)

    @staticmethod
    def _account_key(username: str) -> str:
        return username.strip().casefold()

    def blocked_until(self, username: str, address: str, now: datetime) -> datetime | None:
        """When the next attempt may be made, or None if one may be made now."""
        times = [
            t for t in (
                self._accounts.blocked_until(self._account_key(username), now),
                self._addresses.blocked_until(address, now),
            ) if t is not None
        ]
        return max(times) if times else None

    def record_failure(self, username: str, address: str, now: datetime) -> None:
        self._accounts.fail(self._account_key(username), now)
        self._addresses.fail(address, now)

    def record_success(self, username: str) -> None:
        """A correct password clears the account's failures (not the address's)."""
        self._accounts.clear(self._account_key(username))
