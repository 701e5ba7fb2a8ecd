"""Composing the client's e-mail: one list of blocks rendered as plain text and as HTML.

Building both parts from the same blocks keeps them saying the same thing. Every value from
the appointment is escaped in the HTML part; the address goes through `email.headerregistry`,
so a name cannot inject headers.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc5322_date
from email.utils import make_msgid
from urllib.parse import urlsplit

from server.appointments.access import access_window
from server.config import Config
from server.i18n import format_datetime, text
from server.mail.calendar import build_calendar
from server.storage.records import MailKind, MailWork


@dataclass(frozen=True, slots=True)
class Para:
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    intro: str
    url: str


@dataclass(frozen=True, slots=True)
class Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    heading: str
    items: tuple[str, ...]


Block = Para | Link | Facts | Bullets


def contact_text(config: Config, lang: str, fallback_key: str = "mail.contact.reply") -> str:
    """How to reach the agency: configured phone and address, else a fallback phrase."""
    parts = []
    if config.site.contact_phone:
        parts.append(text(lang, "mail.contact.phone", phone=config.site.contact_phone))
    if config.site.contact_address:
        parts.append(config.site.contact_address)
    return ", ".join(parts) or text(lang, fallback_key)


def access_link(public_url: str, token: str) -> str:
    return f"{public_url}/t/{token}"


def _blocks(work: MailWork, link: str | None, config: Config, public_url: str) -> list[Block]:
    a = work.appointment
    lang, zone = a.language, config.site.zone
    org = config.site.organisation
    contact = contact_text(config, lang)
    blocks: list[Block] = [
        Para(text(lang, "mail.greeting", name=a.client_name)),
        Para(text(lang, f"mail.intro.{work.kind.value}", organisation=org)),
        Facts((
            (text(lang, "mail.topic"), a.topic),
            (text(lang, "mail.when"), format_datetime(a.starts_at, lang, zone) + ", "
             + text(lang, "mail.duration", minutes=a.duration_minutes)),
        )),
    ]
    if work.kind is MailKind.CANCELLED or link is None:
        blocks.append(Para(text(lang, "mail.cancelled.next", contact=contact)))
    else:
        opens = format_datetime(access_window(a, config.access).opens_at, lang, zone)
        blocks += [
            Link(text(lang, "mail.link.heading") + ":", link),
            Para(text(lang, "mail.link.rules", opens=opens)),
            Link(text(lang, "mail.device_test"), f"{public_url}/device-test?lang={lang}"),
            Bullets(text(lang, "mail.requirements.heading"),
                    tuple(text(lang, f"mail.requirements.{i}") for i in range(1, 5))),
            Para(text(lang, "mail.alternative", contact=contact)),
        ]
    blocks += [
        Link(text(lang, "mail.privacy"), f"{public_url}/privacy?lang={lang}"),
        Para(text(lang, "mail.calendar")),
        Para(text(lang, "mail.closing") + "\n" + org),
    ]
    return blocks


def render_text(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Para):
            out.append("\n".join(textwrap.fill(line, 72) for line in block.text.split("\n")))
        elif isinstance(block, Link):
            out.append(textwrap.fill(block.intro, 72) + "\n" + block.url)
        elif isinstance(block, Facts):
            out.append("\n".join(f"{label}: {value}" for label, value in block.rows))
        else:
            out.append(block.heading + ":\n" + "\n".join(f"- {i}" for i in block.items))
    return "\n\n".join(out) + "\n"


def render_html(blocks: list[Block], lang: str, title: str) -> str:
    e = html.escape
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Para):
            body.append("<p>" + "<br>".join(e(x) for x in block.text.split("\n")) + "</p>")
        elif isinstance(block, Link):
            body.append(f'<p>{e(block.intro)}<br><a href="{e(block.url)}">{e(block.url)}</a></p>')
        elif isinstance(block, Facts):
            rows = "".join(f"<tr><th align=\"left\">{e(label)}</th><td>{e(value)}</td></tr>"
                           for label, value in block.rows)
            body.append(f"<table>{rows}</table>")
        else:
            items = "".join(f"<li>{e(i)}</li>" for i in block.items)
            body.append(f"<p>{e(block.heading)}:</p><ul>{items}</ul>")
    return (f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">'
            f"<title>{e(title)}</title></head><body>" + "\n".join(body) + "</body></html>\n")


def compose_message(
    work: MailWork, token: str | None, config: Config, public_url: str, now: datetime
) -> EmailMessage:
    """The complete message for one claimed job; `token` is None for a cancellation."""
    a = work.appointment
    lang = a.language
    link = None if token is None else access_link(public_url, token)
    date = format_datetime(a.starts_at, lang, config.site.zone, short=True)
    subject = text(lang, f"mail.subject.{work.kind.value}", date=date)
    blocks = _blocks(work, link, config, public_url)
    sender_domain = config.mail.from_address.rpartition("@")[2]
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = Address(config.site.organisation, addr_spec=config.mail.from_address)
    msg["To"] = Address(a.client_name, addr_spec=a.client_email)
    msg["Date"] = rfc5322_date(now)
    msg["Message-ID"] = make_msgid("videotermin", domain=sender_domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834 §5
    msg.set_content(render_text(blocks))
    msg.add_alternative(render_html(blocks, lang, subject), subtype="html")
    opens = format_datetime(access_window(a, config.access).opens_at, lang, config.site.zone)
    description = (
        text(lang, "mail.ics.description", opens=opens, link=link) if link is not None
        else text(lang, "mail.intro.cancelled", organisation=config.site.organisation)
    )
    ics = build_calendar(
        a, cancelled=work.kind is MailKind.CANCELLED,
        summary=text(lang, "mail.ics.summary", topic=a.topic), description=description,
        link=link, organiser_name=config.site.organisation,
        organiser_email=config.mail.from_address,
        host=urlsplit(public_url).hostname or "localhost", now=now,
    )
    method = "CANCEL" if work.kind is MailKind.CANCELLED else "PUBLISH"
    msg.add_attachment(ics, maintype="text", subtype="calendar", filename="termin.ics",
                       params={"method": method})
    msg["Content-Language"] = lang  # after the parts: building them moves Content-* headers
    return msg
