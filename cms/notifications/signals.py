"""Delivery reports from the email provider (through anymail) update the outbox row."""
