"""Telling people: Slack rendering, delivery of the outbox (bot, webhook, files), the weekly digest."""
