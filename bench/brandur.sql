-- The baseline for case (c): idempotency keys the way applications keep them
-- today, in the style of brandur's "Implementing Stripe-like Idempotency Keys
-- in Postgres" (rocket-rides-atomic), written as PL/pgSQL so that the claim
-- and the completion each cost one round trip, as the extension's do.
--
-- Its own table, one row per (user, key), with the article's columns: the
-- request's parameters to detect a reused key, locked_at to tell a request
-- in flight from an abandoned one, a recovery point, and the stored response.
--
-- brandur.claim(): INSERT ... ON CONFLICT DO NOTHING.  A new row is the
-- claim (the uncommitted insert already makes a concurrent duplicate wait in
-- the unique index).  Otherwise SELECT ... FOR UPDATE locks the existing row
-- and decides: finished -> replay the response; locked recently -> in
-- progress; locked long ago or unlocked -> take it over at its recovery
-- point.  brandur.complete() UPDATEs the row with the response, unlocks it
-- and marks it finished.
--
-- Written to be as fast as this design allows, so that the comparison is
-- fair: a natural primary key instead of a bigserial plus a unique index
-- (no sequence), an index on created_at for the reaper that deletes old
-- keys (the extension keeps one on expires_at: two indexes each),
-- fillfactor 90 like the extension's table so the completing UPDATE can be
-- HOT, a "C"-collated key, schema-qualified names instead of a SET
-- search_path clause (which costs a GUC save and restore per call), and
-- the FOR UPDATE read only when the insert found a row.

\set ON_ERROR_STOP on

CREATE SCHEMA brandur;

CREATE TABLE brandur.idempotency_keys (
    user_id         bigint      NOT NULL,
    idempotency_key text        COLLATE "C" NOT NULL
        CHECK (octet_length(idempotency_key) BETWEEN 1 AND 255),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_run_at     timestamptz NOT NULL DEFAULT now(),
    locked_at       timestamptz DEFAULT now(),

    -- parameters of the request, to refuse a key reused for another request
    request_params  jsonb,

    -- for finished requests, the stored status code and body
    response_code   integer,
    response_body   jsonb,

    recovery_point  text        NOT NULL
        CHECK (char_length(recovery_point) <= 50),

    PRIMARY KEY (user_id, idempotency_key)
) WITH (fillfactor = 90);

CREATE INDEX idempotency_keys_created_at ON brandur.idempotency_keys (created_at);

-- outcome: claimed | completed | in_progress | recovered, as the extension's
CREATE FUNCTION brandur.claim(
    p_user_id bigint,
    p_key text,
    p_params jsonb DEFAULT NULL,
    p_lock_timeout interval DEFAULT '90 seconds',
    OUT outcome text,
    OUT recovery_point text,
    OUT response_code integer,
    OUT response_body jsonb)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    k brandur.idempotency_keys;
BEGIN
    LOOP
        INSERT INTO brandur.idempotency_keys
               (user_id, idempotency_key, request_params, recovery_point)
        VALUES (p_user_id, p_key, p_params, 'started')
        ON CONFLICT (user_id, idempotency_key) DO NOTHING;
        IF FOUND THEN
            outcome := 'claimed';
            recovery_point := 'started';
            RETURN;
        END IF;

        SELECT * INTO k
          FROM brandur.idempotency_keys AS t
         WHERE t.user_id = p_user_id AND t.idempotency_key = p_key
           FOR UPDATE;
        EXIT WHEN FOUND;
        -- deleted by the reaper between the two statements: insert again
    END LOOP;

    IF p_params IS NOT NULL AND k.request_params IS NOT NULL
       AND k.request_params <> p_params THEN
        RAISE EXCEPTION 'idempotency key "%" was already used for a different request', p_key
            USING ERRCODE = '22023';
    END IF;

    recovery_point := k.recovery_point;
    IF k.recovery_point = 'finished' THEN
        outcome := 'completed';
        response_code := k.response_code;
        response_body := k.response_body;
        RETURN;
    END IF;

    IF k.locked_at IS NOT NULL AND k.locked_at > now() - p_lock_timeout THEN
        outcome := 'in_progress';
        RETURN;
    END IF;

    UPDATE brandur.idempotency_keys AS t
       SET locked_at = now(), last_run_at = now()
     WHERE t.user_id = p_user_id AND t.idempotency_key = p_key;
    outcome := 'recovered';
END
$$;

-- Moves a claimed key to another recovery point (one per atomic phase).
CREATE FUNCTION brandur.set_recovery_point(p_user_id bigint, p_key text, p_point text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    UPDATE brandur.idempotency_keys AS t
       SET recovery_point = p_point
     WHERE t.user_id = p_user_id AND t.idempotency_key = p_key
       AND t.recovery_point <> 'finished';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'idempotency key "%" is not claimed', p_key USING ERRCODE = '55000';
    END IF;
END
$$;

-- Stores the response, unlocks the key and marks it finished.
CREATE FUNCTION brandur.complete(p_user_id bigint, p_key text,
                                 p_response_code integer, p_response_body jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    UPDATE brandur.idempotency_keys AS t
       SET locked_at = NULL,
           recovery_point = 'finished',
           response_code = p_response_code,
           response_body = p_response_body
     WHERE t.user_id = p_user_id AND t.idempotency_key = p_key
       AND t.recovery_point <> 'finished';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'idempotency key "%" is not claimed or already finished', p_key
            USING ERRCODE = '55000';
    END IF;
END
$$;

-- Releases the lock after a failed attempt so that a retry can go on at once.
CREATE FUNCTION brandur.unlock(p_user_id bigint, p_key text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    UPDATE brandur.idempotency_keys AS t
       SET locked_at = NULL
     WHERE t.user_id = p_user_id AND t.idempotency_key = p_key;
END
$$;
