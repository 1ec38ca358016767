@same-as idempotency_claim
