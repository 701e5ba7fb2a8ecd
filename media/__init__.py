"""Sans-I/O media cores of the SFU: bytes and an explicit `now` in, values out."""
