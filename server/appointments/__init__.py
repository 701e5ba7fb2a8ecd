"""Appointments: validation, lifecycle, the access-link window and the service tying them up."""
