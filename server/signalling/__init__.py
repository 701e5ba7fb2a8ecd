"""The signalling I/O shell: WebSocket endpoint, hub, media bridge and identity look-ups."""
