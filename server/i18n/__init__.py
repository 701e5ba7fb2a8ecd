"""Server-side texts in German (default) and English, and date formatting without locales.

Each language keeps all its texts in one module (`de.py`, `en.py`); a test checks both have the
same keys and placeholders. The privacy-notice version recorded with each consent is a label
plus a hash of both notice texts, so any wording change yields a new version automatically.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from types import ModuleType
from zoneinfo import ZoneInfo

from server.i18n import de, en

LANGUAGES: dict[str, ModuleType] = {"de": de, "en": en}
DEFAULT_LANGUAGE = "de"
NOTICE_LABEL = "2025-1"
NOTICE_VERSION = NOTICE_LABEL + "+" + hashlib.sha256(
    "\n".join(de.NOTICE + en.NOTICE).encode("utf-8")
).hexdigest()[:12]


def pick_language(requested: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    return requested if requested in LANGUAGES else fallback


def text(lang: str, key: str, **values: object) -> str:
    template: str = LANGUAGES[pick_language(lang)].TEXTS[key]
    return template.format(**values) if values else template


def notice(lang: str, **values: object) -> list[str]:
    paragraphs: tuple[str, ...] = LANGUAGES[pick_language(lang)].NOTICE
    return [p.format(**values) for p in paragraphs]


def format_datetime(when: datetime, lang: str, zone: ZoneInfo, *, short: bool = False) -> str:
    """'Mittwoch, 14. Mai 2025, 10:30 Uhr (CEST)' / 'Wednesday, 14 May 2025, 10:30 (CEST)'.

    `short` ('14.05.2025, 10:30 Uhr') keeps e-mail subjects under 78 characters, where the
    stdlib would otherwise fold the header awkwardly.
    """
    module = LANGUAGES[pick_language(lang)]
    local = when.astimezone(zone)
    template = module.SHORT_DATE_FORMAT if short else module.DATE_FORMAT
    result: str = template.format(
        weekday=module.WEEKDAYS[local.weekday()], day=local.day, month_number=local.month,
        month=module.MONTHS[local.month - 1], year=local.year, hour=local.hour,
        minute=local.minute, zone=local.tzname() or zone.key,
    )
    return result


def format_time(when: datetime, lang: str, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    result: str = LANGUAGES[pick_language(lang)].TIME_FORMAT.format(
        hour=local.hour, minute=local.minute
    )
    return result
