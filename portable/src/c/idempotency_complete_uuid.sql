@same-as idempotency_complete
