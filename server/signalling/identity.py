"""Who is joining: the checks that need storage, turned into a sans-I/O `Identity`.

- client: an access token that works now plus a live consent of this visit (`vt_consent`
  cookie, sent with the WebSocket handshake) — `Services.resolve_client`;
- advisor: the session cookie (`vt_session`) or, as the interim way, a CLI-minted advisor
  token; either way the appointment must be the advisor's own;
- echo: a working access token, or nothing (the public device test; rate-limited by the hub).

Every refusal is a `ProtocolError` with a code; what is refused never says more than needed
(an unknown and another advisor's appointment look the same).
"""

from __future__ import annotations

from collections.abc import Mapping

from server.appointments.access import AccessDenied, Denial
from server.appointments.service import AppointmentNotFound
from server.consent import CONSENT_COOKIE
from server.services import Services
from server.storage.records import AppointmentState
from server.tokens import looks_like_token, token_hash
from server.web.security import SESSION_COOKIE
from signalling import codes
from signalling.advisor_token import parse_advisor_token_untrusted
from signalling.effects import Identity
from signalling.errors import ProtocolError
from signalling.messages import Join, Role

_DENIAL_CODES = {
    Denial.UNKNOWN: codes.ACCESS_DENIED,
    Denial.CANCELLED: codes.ACCESS_CANCELLED,
    Denial.TOO_EARLY: codes.ACCESS_TOO_EARLY,
    Denial.OVER: codes.ACCESS_OVER,
    Denial.NO_CONSENT: codes.CONSENT_REQUIRED,
}
ECHO_SUBJECT = "echo"


def _denied(denied: AccessDenied) -> ProtocolError:
    return ProtocolError(f"access link: {denied.reason.value}", _DENIAL_CODES[denied.reason])


class IdentityResolver:
    def __init__(self, services: Services, advisor_token_secret: bytes) -> None:
        self.services = services
        self.advisor_token_secret = advisor_token_secret

    async def resolve(self, join: Join, cookies: Mapping[str, str], wall_now: float) -> Identity:
        if join.role is Role.CLIENT:
            return await self._client(join, cookies)
        if join.role is Role.ADVISOR:
            return await self._advisor(join, cookies, wall_now)
        return await self._echo(join)

    async def _client(self, join: Join, cookies: Mapping[str, str]) -> Identity:
        token = join.access_token
        if not token or not looks_like_token(token):
            raise ProtocolError("an access token is required", codes.ACCESS_DENIED)
        cookie = cookies.get(CONSENT_COOKIE)
        grant = await self.services.resolve_client(token, cookie)
        if isinstance(grant, AccessDenied):
            raise _denied(grant)
        assert cookie is not None  # resolve_client found a live consent record for it
        record = await self.services.repo.consent_by_session(token_hash(cookie))
        if record is None or record.withdrawn_at is not None:
            raise ProtocolError("consent required", codes.CONSENT_REQUIRED)
        return Identity(Role.CLIENT, grant.appointment_id,
                        f"client:{grant.appointment_id}:{record.id}",
                        grant.client_display_name, advisor_id=grant.advisor_id,
                        consent_id=record.id)

    async def _advisor(self, join: Join, cookies: Mapping[str, str],
                       wall_now: float) -> Identity:
        if join.appointment_id is None:
            raise ProtocolError("appointment_id: required for advisors", codes.BAD_MESSAGE)
        session_advisor = await self.services.authenticate_advisor_session(
            cookies.get(SESSION_COOKIE))
        advisor_id = None if session_advisor is None else int(session_advisor)
        if advisor_id is None and join.advisor_token:
            claim = parse_advisor_token_untrusted(join.advisor_token,
                                                  self.advisor_token_secret, wall_now)
            if claim.appointment_id not in (None, join.appointment_id):
                raise ProtocolError("the token is for another appointment", codes.NOT_YOUR_ROOM)
            advisor_id = claim.advisor_id
        if advisor_id is None:
            raise ProtocolError("log in first", codes.ADVISOR_AUTH_REQUIRED)
        advisor = await self.services.repo.advisor_by_id(advisor_id)
        if advisor is None or advisor.disabled:
            raise ProtocolError("this account cannot join", codes.ADVISOR_AUTH_REQUIRED)
        try:
            appointment = await self.services.appointments.get(advisor.id, join.appointment_id)
        except AppointmentNotFound:
            raise ProtocolError("not your appointment", codes.NOT_YOUR_ROOM) from None
        if appointment.state is AppointmentState.CANCELLED:
            raise ProtocolError("the appointment was cancelled", codes.ACCESS_CANCELLED)
        return Identity(Role.ADVISOR, appointment.id, f"advisor:{advisor.id}",
                        advisor.display_name, advisor_id=advisor.id)

    async def _echo(self, join: Join) -> Identity:
        if join.access_token is None:
            return Identity(Role.ECHO, None, ECHO_SUBJECT, "")  # the public device test
        if not looks_like_token(join.access_token):
            raise ProtocolError("access link: unknown", codes.ACCESS_DENIED)
        grant = await self.services.resolve_access_token(join.access_token)
        if isinstance(grant, AccessDenied):
            raise _denied(grant)
        return Identity(Role.ECHO, None, f"{ECHO_SUBJECT}:{grant.appointment_id}", "")
