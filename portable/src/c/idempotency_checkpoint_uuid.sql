@same-as idempotency_checkpoint
