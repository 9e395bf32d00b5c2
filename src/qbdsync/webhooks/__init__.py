"""Webhooks the Codat way: consumers per client, events queued in the caller's transaction,
Standard Webhooks signatures, and a background worker that delivers with retries.

- events.emit(conn, …)          queue an event for every consumer that wants it
- delivery.start_worker(…)      the background WebhookWorker (start it from the app lifespan)
- signing.new_secret/sign/headers
- destinations.check_destination   which URLs may be consumers (public unless allowed)
- sender.WebhookSender             posts one delivery over transport.GuardedTransport, which
                                   connects only to addresses it checked
- qbdsync.store.webhooks        consumers, the delivery log, replay
"""
