"""The one error type every parser of network bytes in `media/` may raise."""


class BadPacket(ValueError):
    """Untrusted bytes did not form a valid packet; the caller drops it and counts it."""
