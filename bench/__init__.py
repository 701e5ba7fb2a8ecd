"""Load harness and network emulation: clients of the real server, built on our own cores."""
