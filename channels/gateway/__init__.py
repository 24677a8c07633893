"""Provider webhook gateway: its own small process in front of the Rasa server.

Why a separate process: Rasa runs NLU inference and policies synchronously (TensorFlow plus a
lot of pure Python) inside every turn. In the Rasa process, even on a separate thread, the GIL
and the CPU the turns take delayed webhook acknowledgements to 171 ms (Telegram) and 1.9 s
(Twilio) p99 at 200 messages/s. Telegram and Twilio retry or give up on slow webhooks, so the
acknowledgement must not share an interpreter with the turns.

The gateway imports neither Rasa nor TensorFlow. Per delivery it only:
    1. authenticates (Telegram secret token, X-Twilio-Signature)  -> 403, nothing parsed
    2. deduplicates (update_id, MessageSid; Redis SET NX or memory)
    3. reads who the sender is and what kind of message it is
    4. rate-limits per sender (one polite notice per window)
    5. queues it behind the sender's earlier messages and answers the provider at once
A background forwarder (`handoff.py`) hands each queued message to the Rasa server
(`POST /webhooks/<channel>/turn`, Bearer LAYANI_API_TOKEN) and waits until that turn has run
and its replies were sent, then sends the sender's next message: order per citizen is kept
whichever Rasa worker or replica runs the turn.

Run: python -m channels.gateway [--port 5007]   (layani/run.py starts it with the rest)
"""
