"""Sending e-mail over SMTP (reminders before due dates)."""
