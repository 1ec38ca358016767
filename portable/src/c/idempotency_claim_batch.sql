LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 500
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_variable
DECLARE
    v_keys pg_catalog.text[];
    v_fps pg_catalog.text[];
    v_n pg_catalog.int4;
    v_len pg_catalog.int4;
    v_first pg_catalog.int4[];
    v_order pg_catalog.int4[];
    v_ndistinct pg_catalog.int4;
    v_held pg_catalog.int8;
    v_max_locks pg_catalog.int4;
    v_deadline pg_catalog.timestamptz;
    v_wait pg_catalog.interval;
    v_f pg_catalog.int4;
    v_pos pg_catalog.int4;
    v_claim idempotency.claim_result;
    v_outcomes pg_catalog.text[];
    v_responses pg_catalog.jsonb[];
    v_codes pg_catalog.int4[];
BEGIN
    -- Portable edition (src/batch.c idempotency_claim_batch): every argument
    -- checked before the first key is locked, then claim() of each key once,
    -- in bytewise (COLLATE "C") order; wait bounds the whole call.
    v_keys := idempotency.portable_batch_keys(claim_batch.keys);
    v_n := COALESCE(pg_catalog.cardinality(v_keys), 0);
    PERFORM idempotency.portable_batch_check_scope(claim_batch.scope);
    IF claim_batch.fingerprints IS NULL THEN
        v_fps := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[v_n]);
    ELSE
        PERFORM idempotency.portable_batch_check_parallel(
            pg_catalog.array_ndims(claim_batch.fingerprints),
            COALESCE(pg_catalog.cardinality(claim_batch.fingerprints), 0), 'fingerprints', v_n);
        v_fps := ARRAY(SELECT pg_catalog.unnest(claim_batch.fingerprints));
    END IF;
    FOR i IN 1 .. v_n LOOP
        v_len := pg_catalog.octet_length(v_fps[i]);
        IF v_len OPERATOR(pg_catalog.>) 1024 THEN
            RAISE EXCEPTION 'fingerprint must be at most 1024 bytes long'
                USING ERRCODE = '22023',
                      DETAIL = pg_catalog.format('Element %s is %s bytes long.', i, v_len);
        END IF;
    END LOOP;
    IF claim_batch.wait IS NOT NULL THEN
        PERFORM idempotency.portable_batch_interval_usecs(claim_batch.wait, 'wait', true, 86400);
    END IF;
    IF claim_batch.ttl IS NOT NULL THEN
        PERFORM idempotency.portable_batch_interval_usecs(claim_batch.ttl, 'ttl', false, 315360000);
    END IF;

    -- canonical order, and each position's first occurrence
    IF v_n OPERATOR(pg_catalog.>) 0 THEN
        SELECT pg_catalog.array_agg(u.p::pg_catalog.int4 ORDER BY u.k COLLATE "C", u.p)
          INTO v_order
          FROM pg_catalog.unnest(v_keys) WITH ORDINALITY AS u(k, p);
        SELECT pg_catalog.array_agg(t.f ORDER BY t.p)
          INTO v_first
          FROM (SELECT u.p, pg_catalog.min(u.p::pg_catalog.int4) OVER (PARTITION BY u.k COLLATE "C") AS f
                  FROM pg_catalog.unnest(v_keys) WITH ORDINALITY AS u(k, p)) AS t;
    END IF;
    v_ndistinct := 0;
    FOR i IN 1 .. v_n LOOP
        v_f := v_first[i];
        IF v_f OPERATOR(pg_catalog.=) i THEN
            v_ndistinct := v_ndistinct OPERATOR(pg_catalog.+) 1;
            CONTINUE;
        END IF;
        -- a key given twice is one claim, with the first fingerprint given
        IF v_fps[i] IS NULL THEN
            CONTINUE;
        END IF;
        IF v_fps[v_f] IS NULL THEN
            v_fps[v_f] := v_fps[i];
        ELSIF v_fps[v_f] OPERATOR(pg_catalog.<>) v_fps[i] THEN
            RAISE EXCEPTION 'idempotency key "%" is given twice with different fingerprints', v_keys[i]
                USING ERRCODE = 'IK001',
                      DETAIL = pg_catalog.format('Elements %s and %s of keys are the same key; their fingerprints differ.',
                                                 v_f, i),
                      HINT = 'Use a new key for a new message.';
        END IF;
    END LOOP;

    PERFORM idempotency.portable_check_writable('claim_batch()');
    -- every key claimed holds a lock until the transaction ends
    IF v_ndistinct OPERATOR(pg_catalog.>) 0 THEN
        v_max_locks := pg_catalog.current_setting('max_locks_per_transaction')::pg_catalog.int4;
        SELECT pg_catalog.count(*) INTO v_held
          FROM pg_catalog.pg_locks AS l
         WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
           AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
           AND l.granted
           AND l.database OPERATOR(pg_catalog.=)
               (SELECT d.oid FROM pg_catalog.pg_database AS d
                 WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());
        IF v_held OPERATOR(pg_catalog.+) v_ndistinct OPERATOR(pg_catalog.>) v_max_locks THEN
            RAISE EXCEPTION 'batch of % keys could need more locks than max_locks_per_transaction (%) allows',
                  v_ndistinct, v_max_locks
                USING ERRCODE = '54000',
                      DETAIL = pg_catalog.format('Each key claimed holds a lock until the transaction ends; this transaction holds %s key locks already.',
                                                 v_held),
                      HINT = 'Split the batch, or raise max_locks_per_transaction (a server restart) to the largest batch a transaction claims plus the transaction''s other locks.';
        END IF;
    END IF;

    IF claim_batch.wait IS NOT NULL THEN
        v_deadline := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) claim_batch.wait;
    END IF;
    v_outcomes := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[v_n]);
    v_responses := pg_catalog.array_fill(NULL::pg_catalog.jsonb, ARRAY[v_n]);
    v_codes := pg_catalog.array_fill(NULL::pg_catalog.int4, ARRAY[v_n]);
    FOR i IN 1 .. v_n LOOP
        v_pos := v_order[i];
        CONTINUE WHEN v_first[v_pos] OPERATOR(pg_catalog.<>) v_pos;
        IF v_deadline IS NOT NULL THEN
            v_wait := GREATEST(v_deadline OPERATOR(pg_catalog.-) pg_catalog.clock_timestamp(),
                               '0'::pg_catalog.interval);
        END IF;
        SELECT * INTO v_claim
          FROM idempotency.claim(v_keys[v_pos], claim_batch.scope, v_fps[v_pos], v_wait, NULL,
                                 claim_batch.ttl);
        v_outcomes[v_pos] := v_claim.outcome;
        IF v_claim.outcome OPERATOR(pg_catalog.=) 'completed' THEN
            v_responses[v_pos] := v_claim.response;
            v_codes[v_pos] := v_claim.response_code;
        END IF;
    END LOOP;

    FOR i IN 1 .. v_n LOOP
        ordinality := i;
        key := v_keys[i];
        IF v_first[i] OPERATOR(pg_catalog.<>) i THEN
            outcome := 'duplicate';
            response := NULL;
            response_code := NULL;
        ELSE
            outcome := v_outcomes[i];
            response := v_responses[i];
            response_code := v_codes[i];
        END IF;
        RETURN NEXT;
    END LOOP;
END
$function$
