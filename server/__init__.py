"""The I/O shells: sockets, the trio event loop, HTTP/WebSocket, storage, e-mail, timers."""
