"""The one error type every parser of signalling input may raise."""


class ProtocolError(ValueError):
    """An untrusted signalling input (SDP, message) was malformed or not allowed.

    `code` is the machine-readable error code sent back to the client.
    """

    def __init__(self, message: str, code: str = "bad-request") -> None:
        super().__init__(message)
        self.code = code
