"""Outputs for people and other systems: exports now, audit packets and calendars later."""
