"""The background task that sends queued messages, with retry and a visible failure.

A message is claimed in one transaction that also stores the hash of a fresh access token; the
token itself lives only in the message. Sending happens outside any transaction; the outcome is
stored afterwards. A crash in between leaves the message claimed with a lease: it is retried
(with a new link) when the lease runs out, so no message is lost and no token is ever stored.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import trio

from server.audit import AuditLog
from server.clock import Clock
from server.config import Config
from server.mail.compose import compose_message
from server.mail.doorbell import Doorbell
from server.mail.transport import DeliveryError, MailTransport
from server.storage.records import AuditKind, MailState, MailWork
from server.storage.repository import MailOutcome, Repository
from server.tokens import new_token, token_hash

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
IDLE_POLL_SECONDS = 300.0


def backoff(attempt: int, base_seconds: float) -> timedelta:
    """Wait before attempt `attempt + 1`: base, 2×base, 4×base … at most an hour."""
    return min(timedelta(seconds=base_seconds * 2 ** (attempt - 1)), MAX_BACKOFF)


def outbox_name(work: MailWork) -> str:
    """File stem naming only ids, so retention can match files to appointments."""
    return f"appointment-{work.appointment.id}-mail-{work.job_id}"


class MailDelivery:
    def __init__(
        self, repo: Repository, clock: Clock, audit: AuditLog, config: Config,
        transport: MailTransport, doorbell: Doorbell, public_url: str,
    ) -> None:
        self._repo = repo
        self._clock = clock
        self._audit = audit
        self._config = config
        self._transport = transport
        self._doorbell = doorbell
        self.public_url = public_url

    async def deliver_due(self) -> int:
        """Send every message that is due now; returns how many were attempted."""
        attempted = 0
        while True:
            token = new_token()
            now = self._clock.now()
            work = await self._repo.claim_due_mail(now, now + LEASE, token_hash(token))
            if work is None:
                return attempted
            attempted += 1
            await self._attempt(work, token if work.kind.carries_link else None)

    async def _attempt(self, work: MailWork, token: str | None) -> None:
        appointment_id = work.appointment.id
        try:
            message = compose_message(work, token, self._config, self.public_url,
                                      self._clock.now())
            outbox_file = await self._transport.send(message, outbox_name(work))
        except DeliveryError as exc:
            await self._failed(work, exc.reason, exc.permanent)
            return
        except Exception as exc:  # a bug must not stop the queue; keep the reason generic
            log.exception("unexpected error while sending mail for appointment %d",
                          appointment_id)
            await self._failed(work, type(exc).__name__, False)
            return
        await self._repo.finish_mail(MailOutcome(
            job_id=work.job_id, state=MailState.SENT, now=self._clock.now(),
            outbox_file=outbox_file,
            audit=self._audit.entry(AuditKind.MAIL_SENT, appointment_id=appointment_id,
                                    detail=work.kind.value),
        ))
        log.info("mail %d (%s) for appointment %d sent", work.job_id, work.kind.value,
                 appointment_id)

    async def _failed(self, work: MailWork, reason: str, permanent: bool) -> None:
        now = self._clock.now()
        appointment_id = work.appointment.id
        if permanent or work.attempt >= self._config.mail.max_attempts:
            await self._repo.finish_mail(MailOutcome(
                job_id=work.job_id, state=MailState.FAILED, now=now, error=reason,
                audit=self._audit.entry(AuditKind.MAIL_FAILED, appointment_id=appointment_id,
                                        detail=reason[:100]),
            ))
            log.warning("mail %d for appointment %d failed after %d attempt(s): %s",
                        work.job_id, appointment_id, work.attempt, reason)
            return
        retry_at = now + backoff(work.attempt, self._config.mail.retry_base_seconds)
        await self._repo.finish_mail(MailOutcome(
            job_id=work.job_id, state=MailState.PENDING, now=now, error=reason,
            next_attempt_at=retry_at,
        ))
        log.info("mail %d for appointment %d: attempt %d failed (%s), retry at %s",
                 work.job_id, appointment_id, work.attempt, reason, retry_at.isoformat())

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Deliver until cancelled: whenever rung, and when the next retry is due."""
        task_status.started()
        while True:
            wait = IDLE_POLL_SECONDS
            try:
                await self.deliver_due()
                due = await self._repo.next_mail_due()
            except Exception:
                log.exception("mail queue error; trying again in 30 s")
                wait = 30.0
            else:
                if due is not None:
                    wait = min(wait, max((due - self._clock.now()).total_seconds(), 0.5))
            await self._doorbell.wait(wait)
