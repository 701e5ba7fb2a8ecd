"""Automatic deletion of personal data after the retention period (90 days at most)."""
