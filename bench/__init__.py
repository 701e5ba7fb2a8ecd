"""Load harness and network emulation: clients of the real server, built on the project's own cores."""
