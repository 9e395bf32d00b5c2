"""Webhooks the Codat way: consumers per client, events queued in the caller's transaction,
Standard Webhooks signatures, and delivery passes (the `webhooks.deliver` background job) with
retries.

- events.emit(conn, …)          queue an event for every consumer that wants it
- delivery.Deliverer             one pass over due deliveries (qbdsync.jobs runs it)
- signing.new_secret/sign/headers
- destinations.check_destination   which URLs may be consumers (public unless allowed)
- sender.WebhookSender             posts one delivery over transport.GuardedTransport, which
                                   connects only to addresses it checked
- qbdsync.store.webhooks        consumers, the delivery log, replay
"""
