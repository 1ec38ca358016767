@same-as idempotency_lookup
