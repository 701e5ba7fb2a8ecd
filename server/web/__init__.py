"""HTTP side of the appointment domain: REST API, consent and sign-in pages, OpenAPI."""
