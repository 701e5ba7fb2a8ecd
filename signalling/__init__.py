"""Sans-I/O signalling cores: SDP negotiation, the message schema, sessions, rooms and the lobby."""
