"""Advisor accounts: passwords (argon2id), login throttling, sessions and CSRF tokens."""
