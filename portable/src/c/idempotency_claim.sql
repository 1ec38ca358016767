LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
-- claim() of the portable edition: src/api.c api_claim_decide, in PL/pgSQL.
-- A completed key is replayed without a lock.  Otherwise the key's advisory
-- lock is taken (waiting as wait says) inside a subtransaction, the key's
-- latest row is read and the outcome decided; a claim that comes to own
-- nothing (a replay, a key held by a live lease) rolls the subtransaction
-- back, which gives the lock back at once, as the C edition's
-- idem_unlock_key does.  A claim that owns the key writes its row there,
-- and the lock passes to the caller's transaction.
DECLARE
    -- the same body serves claim(uuid, ...): a uuid key is its canonical text
    v_key pg_catalog.text := claim.key::pg_catalog.text;
    v_len pg_catalog.int4;
    v_owner pg_catalog.oid;
    v_fpv pg_catalog.text;
    v_wait_ms pg_catalog.int8;      -- NULL: wait as long as lock_timeout allows
    v_lease_us pg_catalog.int8;     -- NULL: no lease
    v_ttl_us pg_catalog.int8;
    v_h pg_catalog.int8;
    v_now pg_catalog.timestamptz;
    v_rr pg_catalog.bool;
    v_found pg_catalog.bool;
    v_acquired pg_catalog.bool;
    v_mismatch pg_catalog.bool;
    v_old_lt pg_catalog.text;
    v_lt_ms pg_catalog.numeric;
    v_outcome pg_catalog.text;
    v_busy pg_catalog.bool := false;
    r record;
    v_res idempotency.claim_result;
BEGIN
    -- the arguments, in the C edition's order
    IF v_key IS NULL OR claim.scope IS NULL
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.<) 1
       OR pg_catalog.octet_length(v_key) OPERATOR(pg_catalog.>) 255
       OR pg_catalog.octet_length(claim.scope) OPERATOR(pg_catalog.>) 255
       OR pg_catalog.octet_length(claim.fingerprint) OPERATOR(pg_catalog.>) 1024 THEN
        PERFORM idempotency.portable_check_args(v_key, claim.scope, claim.fingerprint, 'fingerprint', 1024, false, false);
    END IF;
    IF claim.fingerprint IS NOT NULL THEN
        -- fingerprint_digest(), inline
        v_fpv := pg_catalog.translate(pg_catalog.encode(
                     pg_catalog.int8send(pg_catalog.hashtextextended(
                         claim.fingerprint COLLATE "C", 5279420861379522609))
                     OPERATOR(pg_catalog.||)
                     pg_catalog.substr(pg_catalog.int8send(pg_catalog.hashtextextended(
                         claim.fingerprint COLLATE "C", 5279420861379522610)), 1, 4),
                     'base64'), '+/', '-_');
    END IF;
    IF claim.wait IS NOT NULL THEN
        v_wait_ms := idempotency.portable_interval_us(claim.wait, 'wait', true, 86400)
                     OPERATOR(pg_catalog./) 1000;
    END IF;
    IF claim.lease IS NOT NULL THEN
        v_lease_us := idempotency.portable_interval_us(claim.lease, 'lease', false, 2592000);
    END IF;
    IF claim.ttl IS NOT NULL THEN
        v_ttl_us := idempotency.portable_interval_us(claim.ttl, 'ttl', false, 315360000);
    END IF;
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        PERFORM idempotency.portable_check_writable('claim()');
    END IF;

    v_owner := pg_catalog.quote_ident(CURRENT_USER)::pg_catalog.regrole::pg_catalog.oid;
    -- once() running for this key in this transaction (55006)
    IF COALESCE(pg_catalog.current_setting('idempotency_portable.running_once', true), '')
       OPERATOR(pg_catalog.<>) '' THEN
        PERFORM idempotency.portable_once_check_not_running(claim.scope, v_key, 'claim()');
    END IF;

    -- A completed row never changes: replay it without taking the lock.
    v_now := pg_catalog.clock_timestamp();
    SELECT 'completed', k.* INTO v_res
      FROM idempotency.idempotency_keys AS k
     WHERE k.key OPERATOR(pg_catalog.=) v_key
       AND k.scope OPERATOR(pg_catalog.=) claim.scope
       AND k.owner OPERATOR(pg_catalog.=) v_owner;
    v_found := FOUND;
    IF v_found AND v_res.state OPERATOR(pg_catalog.=) 'completed'
       AND v_res.expires_at OPERATOR(pg_catalog.>) v_now THEN
        IF v_fpv IS NOT NULL AND v_res.fingerprint OPERATOR(pg_catalog.<>) v_fpv THEN
            RAISE EXCEPTION 'idempotency key "%" was already used for a different request', v_key
                USING ERRCODE = 'IK001',
                      DETAIL = 'The key''s stored fingerprint differs from the fingerprint given.',
                      HINT = 'Use a new key for a new request.';
        END IF;
        RETURN v_res;
    END IF;
    r := v_res;         -- the busy path below reads the row found, if any

    IF v_ttl_us IS NULL THEN
        -- unset (no C library), or the C edition's default as the C
        -- library shows it: one day, without a call of its own
        IF COALESCE(pg_catalog.current_setting('idempotency.default_ttl', true), '')
           OPERATOR(pg_catalog.=) ANY ('{"",1d}'::pg_catalog.text[]) THEN
            v_ttl_us := 86400000000;
        ELSE
            v_ttl_us := idempotency.portable_default_ttl_us();
        END IF;
    END IF;
    v_h := pg_catalog.hashtextextended(v_key COLLATE "C",
               pg_catalog.hashtextextended(claim.scope COLLATE "C", v_owner::pg_catalog.int8));
    v_rr := pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed';
    IF NOT v_found AND NOT v_rr AND pg_catalog.pg_try_advisory_xact_lock(v_h) THEN
        -- No row, and the lock was free: the common case of a new key, in
        -- the caller's transaction itself.  (A row committed between the
        -- read above and the lock shows as a conflict: then the claim
        -- decides below, and keeps the lock it holds already.)
        v_now := pg_catalog.clock_timestamp();
        INSERT INTO idempotency.idempotency_keys AS k
               (owner, scope, key, state, fingerprint, lease_token, lease_holder_pid,
                lease_interval, lease_expires_at, created_at, expires_at)
        VALUES (v_owner::pg_catalog.regrole, claim.scope, v_key, 'in_progress', v_fpv,
                CASE WHEN v_lease_us IS NOT NULL THEN pg_catalog.gen_random_uuid() END,
                CASE WHEN v_lease_us IS NOT NULL THEN pg_catalog.pg_backend_pid() END,
                v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval,
                v_now OPERATOR(pg_catalog.+)
                    (v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
                v_now,
                v_now OPERATOR(pg_catalog.+)
                    ((COALESCE(v_lease_us, 0) OPERATOR(pg_catalog.+) v_ttl_us)
                     OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval))
        ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING
        RETURNING 'claimed', k.* INTO v_res;
        IF FOUND THEN
            IF v_fpv IS NOT NULL THEN
                PERFORM idempotency.portable_fingerprint_lock(v_h, v_fpv);
            END IF;
            RETURN v_res;
        END IF;
    END IF;
    BEGIN
        v_acquired := pg_catalog.pg_try_advisory_xact_lock(v_h);
        IF NOT v_acquired THEN
            IF v_wait_ms IS NULL THEN
                -- as long as lock_timeout allows: 55P03 when it runs out
                PERFORM pg_catalog.pg_advisory_xact_lock(v_h);
                v_acquired := true;
            ELSIF v_wait_ms OPERATOR(pg_catalog.>) 0 THEN
                -- at most wait (or lock_timeout, if shorter), in the lock's queue
                v_old_lt := pg_catalog.current_setting('lock_timeout');
                IF v_old_lt OPERATOR(pg_catalog.~) '^[0-9]+$' THEN
                    v_lt_ms := v_old_lt::pg_catalog.numeric;
                ELSE
                    v_lt_ms := EXTRACT(epoch FROM v_old_lt::pg_catalog.interval) OPERATOR(pg_catalog.*) 1000;
                END IF;
                IF v_lt_ms OPERATOR(pg_catalog.>) 0 AND v_lt_ms OPERATOR(pg_catalog.<) v_wait_ms THEN
                    v_wait_ms := pg_catalog.ceil(v_lt_ms)::pg_catalog.int8;
                END IF;
                BEGIN
                    PERFORM pg_catalog.set_config('lock_timeout', v_wait_ms::pg_catalog.text, true);
                    PERFORM pg_catalog.pg_advisory_xact_lock(v_h);
                    PERFORM pg_catalog.set_config('lock_timeout', v_old_lt, true);
                    v_acquired := true;
                EXCEPTION WHEN lock_not_available THEN
                    NULL;           -- its subtransaction took lock_timeout back
                END;
            END IF;
        END IF;

        IF NOT v_acquired THEN
            -- Another transaction holds the key.  The fingerprint is checked
            -- against the row it is writing (which it published, see
            -- portable_busy_mismatch), or else the committed one.  A
            -- committed row under a live lease is reported as it is;
            -- otherwise the key is reported only by identity.
            v_busy := true;
            v_found := v_found AND (r.expires_at OPERATOR(pg_catalog.>) v_now
                                    OR (r.state OPERATOR(pg_catalog.=) 'in_progress'
                                        AND COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now,
                                                     false)));
            IF v_fpv IS NOT NULL THEN
                v_mismatch := idempotency.portable_busy_mismatch(v_h, v_fpv);
                IF v_mismatch IS NULL AND v_found THEN
                    v_mismatch := r.fingerprint OPERATOR(pg_catalog.<>) v_fpv;
                END IF;
                IF v_mismatch THEN
                    RAISE EXCEPTION 'idempotency key "%" was already used for a different request', v_key
                        USING ERRCODE = 'IK001',
                              DETAIL = 'The key''s stored fingerprint differs from the fingerprint given.',
                              HINT = 'Use a new key for a new request.';
                END IF;
            END IF;
            IF NOT (v_found AND r.state OPERATOR(pg_catalog.=) 'in_progress'
                    AND COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now, false)
                    AND idempotency.portable_holder_alive(r.lease_holder_pid)) THEN
                v_found := false;
            END IF;
            v_outcome := 'in_progress';
        ELSE
            -- Read the clock after any wait, so a lease is not granted already spent.
            v_now := pg_catalog.clock_timestamp();
            LOOP
                SELECT k.*, idempotency.portable_own(k.xmin) AS own INTO r
                  FROM idempotency.idempotency_keys AS k
                 WHERE k.key OPERATOR(pg_catalog.=) v_key
                   AND k.scope OPERATOR(pg_catalog.=) claim.scope
                   AND k.owner OPERATOR(pg_catalog.=) v_owner;
                v_found := FOUND;

                IF NOT v_found
                   OR (r.expires_at OPERATOR(pg_catalog.<=) v_now
                       AND NOT (r.state OPERATOR(pg_catalog.=) 'in_progress'
                                AND COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now,
                                             false))) THEN
                    -- a new claim; an expired row makes way for it
                    IF v_found THEN
                        DELETE FROM idempotency.idempotency_keys AS k
                         WHERE k.key OPERATOR(pg_catalog.=) v_key
                           AND k.scope OPERATOR(pg_catalog.=) claim.scope
                           AND k.owner OPERATOR(pg_catalog.=) v_owner;
                    END IF;
                    INSERT INTO idempotency.idempotency_keys AS k
                           (owner, scope, key, state, fingerprint, lease_token, lease_holder_pid,
                            lease_interval, lease_expires_at, created_at, expires_at)
                    VALUES (v_owner::pg_catalog.regrole, claim.scope, v_key, 'in_progress', v_fpv,
                            CASE WHEN v_lease_us IS NOT NULL THEN pg_catalog.gen_random_uuid() END,
                            CASE WHEN v_lease_us IS NOT NULL THEN pg_catalog.pg_backend_pid() END,
                            v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval,
                            v_now OPERATOR(pg_catalog.+)
                                (v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
                            v_now,
                            v_now OPERATOR(pg_catalog.+)
                                ((COALESCE(v_lease_us, 0) OPERATOR(pg_catalog.+) v_ttl_us)
                                 OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval))
                    RETURNING k.* INTO r;
                    IF v_fpv IS NOT NULL THEN
                        PERFORM idempotency.portable_fingerprint_lock(v_h, v_fpv);
                    END IF;
                    v_outcome := 'claimed';
                    EXIT;
                END IF;

                IF v_fpv IS NOT NULL AND r.fingerprint OPERATOR(pg_catalog.<>) v_fpv THEN
                    RAISE EXCEPTION 'idempotency key "%" was already used for a different request', v_key
                        USING ERRCODE = 'IK001',
                              DETAIL = 'The key''s stored fingerprint differs from the fingerprint given.',
                              HINT = 'Use a new key for a new request.';
                END IF;
                IF r.state OPERATOR(pg_catalog.=) 'completed' THEN
                    v_outcome := 'completed';
                    RAISE EXCEPTION USING ERRCODE = 'IKZ99';     -- own nothing: unlock
                END IF;

                -- in_progress
                IF r.own THEN
                    -- Claimed earlier in this transaction.  A claim without a
                    -- lease cannot become a lease claim.
                    IF v_lease_us IS NOT NULL AND r.lease_expires_at IS NULL THEN
                        RAISE EXCEPTION 'idempotency key "%" is already claimed without a lease by this transaction', v_key
                            USING ERRCODE = '55000',
                                  DETAIL = 'A claim without a lease must be completed or released in the transaction that made it.',
                                  HINT = 'Pass lease => to the first claim, or complete() or release() the key first.';
                    END IF;
                    -- keep the first fingerprint given
                    IF r.fingerprint IS NULL AND v_fpv IS NOT NULL THEN
                        UPDATE idempotency.idempotency_keys AS k
                           SET fingerprint = v_fpv
                         WHERE k.key OPERATOR(pg_catalog.=) v_key
                           AND k.scope OPERATOR(pg_catalog.=) claim.scope
                           AND k.owner OPERATOR(pg_catalog.=) v_owner
                        RETURNING k.* INTO r;
                        PERFORM idempotency.portable_fingerprint_lock(v_h, v_fpv);
                    END IF;
                    v_outcome := 'claimed';
                    EXIT;
                END IF;
                IF v_rr THEN
                    -- the version this transaction's snapshot sees must be
                    -- the latest: 40001 otherwise (below)
                    PERFORM FROM idempotency.idempotency_keys AS k
                     WHERE k.key OPERATOR(pg_catalog.=) v_key
                       AND k.scope OPERATOR(pg_catalog.=) claim.scope
                       AND k.owner OPERATOR(pg_catalog.=) v_owner
                       FOR KEY SHARE OF k;
                END IF;
                IF COALESCE(r.lease_expires_at OPERATOR(pg_catalog.>) v_now, false)
                   AND idempotency.portable_holder_alive(r.lease_holder_pid) THEN
                    v_outcome := 'in_progress';
                    RAISE EXCEPTION USING ERRCODE = 'IKZ99';     -- own nothing: unlock
                END IF;

                -- The holder's lease ran out, its session is gone, or the
                -- claim was never finished: take over.
                UPDATE idempotency.idempotency_keys AS k
                   SET fingerprint = COALESCE(k.fingerprint, v_fpv),
                       lease_token = CASE WHEN v_lease_us IS NOT NULL THEN pg_catalog.gen_random_uuid() END,
                       lease_holder_pid = CASE WHEN v_lease_us IS NOT NULL THEN pg_catalog.pg_backend_pid() END,
                       lease_interval = v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval,
                       lease_expires_at = v_now OPERATOR(pg_catalog.+)
                           (v_lease_us OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval),
                       expires_at = v_now OPERATOR(pg_catalog.+)
                           ((COALESCE(v_lease_us, 0) OPERATOR(pg_catalog.+) v_ttl_us)
                            OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval)
                 WHERE k.key OPERATOR(pg_catalog.=) v_key
                   AND k.scope OPERATOR(pg_catalog.=) claim.scope
                   AND k.owner OPERATOR(pg_catalog.=) v_owner
                RETURNING k.* INTO r;
                IF NOT FOUND THEN
                    CONTINUE;               -- expired and purged meanwhile: look again
                END IF;
                IF r.fingerprint IS NOT NULL THEN
                    PERFORM idempotency.portable_fingerprint_lock(v_h, r.fingerprint);
                END IF;
                v_outcome := 'recovered';
                EXIT;
            END LOOP;
        END IF;
    EXCEPTION
        WHEN SQLSTATE 'IKZ99' THEN
            NULL;                           -- a replay or a held key: the lock is given back
        WHEN serialization_failure OR unique_violation THEN
            IF NOT v_rr THEN
                RAISE;
            END IF;
            -- the key's latest row is one this transaction's snapshot
            -- cannot see (another transaction completed, claimed or changed
            -- it since): acting on it would act on a state not seen
            RAISE EXCEPTION 'could not serialize access due to concurrent use of idempotency key "%"', v_key
                USING ERRCODE = '40001',
                      DETAIL = 'Another transaction completed or changed the key after this transaction''s snapshot was taken.',
                      HINT = 'Retry the transaction: the retry replays the stored result.';
    END;

    IF v_busy AND NOT v_found THEN
        -- someone else holds this key: its identity only
        RETURN ROW('in_progress', v_owner::pg_catalog.regrole, claim.scope, v_key, 'in_progress',
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   NULL)::idempotency.claim_result;
    END IF;
    RETURN ROW(v_outcome, r.owner, r.scope, r.key, r.state, r.fingerprint, r.response,
               r.response_code, r.recovery_point,
               CASE WHEN v_outcome OPERATOR(pg_catalog.<>) 'in_progress' THEN r.lease_token END,
               r.lease_holder_pid, r.lease_interval, r.lease_expires_at, r.created_at,
               r.completed_at, r.expires_at)::idempotency.claim_result;
END
$function$
