@same-as idempotency_release
