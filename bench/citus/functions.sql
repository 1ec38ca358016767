-- The delegated functions of the fn and fnhand cases (docs/citus.md, "A
-- delegated function of your own"): a user's request handler written as a
-- distributed function colocated with payments and force-delegated, so
-- that the whole request runs on the account's worker in one round trip.
-- KEYTABLE is replaced by the key table's name.
CREATE SCHEMA app;

-- fn: the handler calls the routed functions
CREATE FUNCTION app.pay(acct bigint, request_key text, amount int)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	c record;
	r jsonb;
BEGIN
	SELECT * INTO c FROM payments_keys.claim(acct, request_key);
	IF c.outcome <> 'claimed' THEN
		RETURN c.response;
	END IF;
	INSERT INTO payments (account_id, request_key, amount_cents) VALUES (acct, request_key, amount);
	r := '{"status": "created"}';
	PERFORM payments_keys.complete(acct, request_key, r, 201);
	RETURN r;
END $$;
SELECT create_distributed_function('app.pay(bigint,text,int)', 'acct',
	colocate_with := 'payments', force_delegation := true);

-- fnhand: the same handler writing the key's completed row by hand, as hand does
CREATE FUNCTION app.pay_hand(acct bigint, request_key text, amount int)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO payments (account_id, request_key, amount_cents) VALUES (acct, request_key, amount);
	INSERT INTO idempotency.KEYTABLE (routing, owner, scope, key, state, response, response_code,
	                                  created_at, completed_at, expires_at)
	VALUES (acct, current_user, '', request_key, 'completed', '{"status": "created"}', 201,
	        now(), now(), now() + interval '1 day');
	RETURN '{"status": "created"}';
END $$;
SELECT create_distributed_function('app.pay_hand(bigint,text,int)', 'acct',
	colocate_with := 'payments', force_delegation := true);
