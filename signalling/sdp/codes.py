"""Machine-readable `ProtocolError.code` values for SDP problems, sent back to the browser.

One place so the signalling session and the web client agree on the spelling.
"""

BAD_SDP = "bad-sdp"  # not parseable as SDP (RFC 8866 grammar) or a malformed attribute we need
SDP_TOO_LARGE = "sdp-too-large"  # over the size/line/m-line bounds
RTCP_MUX_REQUIRED = "rtcp-mux-required"  # RFC 5761 / RFC 8829 §5.1.3: we never do separate RTCP
FINGERPRINT_REQUIRED = "fingerprint-required"  # no a=fingerprint:sha-256 (RFC 8122, RFC 8827 §6.5)
FINGERPRINT_CHANGED = "fingerprint-changed"  # renegotiation switched certificates: no DTLS restart
ICE_CREDENTIALS_REQUIRED = "ice-credentials-required"  # a=ice-ufrag / a=ice-pwd (RFC 8839 §5.4)
DTLS_ROLE_CONFLICT = "dtls-role-conflict"  # the SFU is always the DTLS server (RFC 5763 §5)
MID_REQUIRED = "mid-required"  # unified plan needs a=mid on every m-line (RFC 8843, RFC 8829)
RENEGOTIATION_MISMATCH = "renegotiation-mismatch"  # m-lines reordered/removed (RFC 8829 §5.2.2)
ANSWER_MISMATCH = "answer-mismatch"  # an answer that does not fit the offer (RFC 3264 §6)
BUNDLE_REQUIRED = "bundle-required"  # more than one m-line but no usable BUNDLE (RFC 8843)
ICE_LITE_PEER = "ice-lite-peer"  # both sides lite: nobody sends checks (RFC 8445 §2.5)
