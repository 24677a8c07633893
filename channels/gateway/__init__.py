"""Provider webhook gateway: its own small process in front of the Rasa server.

Why a separate process: Rasa runs NLU inference and policies synchronously (TensorFlow plus a
lot of pure Python) inside every turn. In the Rasa process, even on a separate thread, the GIL
and the CPU the turns take delayed webhook acknowledgements to 171 ms (Telegram) and 1.9 s
(Twilio) p99 at 200 messages/s. Telegram and Twilio retry or give up on slow webhooks, so the
acknowledgement must not share an interpreter with the turns.

The gateway imports neither Rasa nor TensorFlow. Per delivery it only:
    1. bounds the body (413: Telegram 256 KB; Twilio 64 KB and 200 fields, counted on the raw
       bytes) and authenticates (Telegram secret token with hmac.compare_digest before the JSON
       is parsed; X-Twilio-Signature on the one bounded decoding of the form)  -> 403
    2. deduplicates (update_id, MessageSid; Redis SET NX or memory)
    3. reads who the sender is and what kind of message it is
    4. rate-limits per sender (one polite notice per window)
    5. answers a message over its channel's length limit (channels/limits.py) with the kind
       too-long reply instead of a turn
    6. queues it behind the sender's earlier messages, within the queue bounds (past them: one
       "sedang sibuk" notice, message dropped), and answers the provider 200 at once
A background forwarder (`forwarding.py`) forwards each queued message, an `Envelope`, to the Rasa
server (`POST /webhooks/<channel>/turn`, `Authorization: Bearer` LAYANI_TURN_TOKEN, a secret for
this forwarding only) and waits until that turn has run and its replies were sent, then sends the
sender's next message: order per citizen is kept whichever Rasa worker or replica runs the turn.

What it keeps (the Redis journal, the dead-letter file) is sealed with the personal-data key;
only masked text is readable (journal.py, channels/layer/outbound.py).

Run: python -m channels.gateway [--port 5007]   (layani/run.py starts it with the rest)
     python -m channels.gateway.dead_letters list|replay   (see and redeliver dead letters)

Modules: app.py (routes, `Gateway`), telegram_webhook.py and twilio_webhook.py (authenticate
and read one delivery), forwarding.py (per-citizen queues, bounds, forwarding), journal.py
(Redis), dead_letters.py (the operator's command).
"""
