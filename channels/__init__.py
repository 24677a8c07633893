"""Layani's channel connectors (Telegram, Twilio SMS/WhatsApp, web chat) and the channel layer.

Every connector authenticates a webhook before parsing it, turns the provider's payload into a
Rasa `UserMessage`, and hands it to `channels.layer` (deduplication, rate limit, fast ack,
per-conversation ordering, outbound retry). See docs/channels.md.
"""
