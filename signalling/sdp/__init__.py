"""SDP for the SFU's two transports per browser (publish: browser offers; subscribe: we offer).

Unified plan, one BUNDLE group, rtcp-mux, ICE-lite, the SFU always DTLS server. The result of
every exchange is one `media.negotiated.NegotiatedSession`; media never reads SDP.
"""

from signalling.sdp.answer import answer_publish_offer
from signalling.sdp.candidate import Candidate, parse_candidate_untrusted
from signalling.sdp.capabilities import DEFAULT_CAPABILITIES, Capabilities
from signalling.sdp.model import Attribute, MediaSection, Origin, SessionDescription
from signalling.sdp.offer import OutboundTrack, accept_subscribe_answer, build_subscribe_offer
from signalling.sdp.parse import parse_sdp_untrusted
from signalling.sdp.serialize import serialize_sdp
from signalling.sdp.transport import LocalTransport, is_ice_restart

__all__ = [
    "DEFAULT_CAPABILITIES",
    "Attribute",
    "Candidate",
    "Capabilities",
    "LocalTransport",
    "MediaSection",
    "Origin",
    "OutboundTrack",
    "SessionDescription",
    "accept_subscribe_answer",
    "answer_publish_offer",
    "build_subscribe_offer",
    "is_ice_restart",
    "parse_candidate_untrusted",
    "parse_sdp_untrusted",
    "serialize_sdp",
]
