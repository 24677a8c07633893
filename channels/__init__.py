"""Layani's channels: Telegram, Twilio SMS/WhatsApp, web chat and REST.

Two processes: the webhook gateway (`channels/gateway/`: Telegram and Twilio webhooks are
authenticated, deduplicated, rate-limited and acknowledged there, then forwarded as an
`Envelope`) and the Rasa server (`<provider>_turns.py`, `socketio.py`, `rest.py`: turns run on
the channel layer's turn thread, replies sent with timeout, retry and dead-letter log). Both
admit messages through one `Intake` (channels/intake.py). See docs/channels.md.
"""
