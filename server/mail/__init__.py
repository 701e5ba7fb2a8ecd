"""Messages to clients: texts (de/en), calendar attachment, composition and delivery."""
