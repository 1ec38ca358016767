-- ------------------------------------------------------------------------
-- Portable edition: the internals of once() and once_with().  The two CASE
-- blocks of portable_once() have one branch per number of parameters (0 to
-- 100, FUNC_MAX_ARGS): EXECUTE ... USING takes a fixed list.
--
-- once() claims the key, runs the statement and stores its rows in the
-- caller's transaction, with the C edition's fingerprint (src/once.c
-- once_fingerprint), bit for bit where the platform allows
-- (portable/DIFFERENCES.md): a new key under READ COMMITTED under claim()'s
-- lock with its completed row written at once, a replay read directly,
-- anything else through claim() and complete() (their leases, recovery,
-- snapshot checks and commit rule).  Everything runs as the caller: these helpers
-- give nobody any power over keys that are not their own, so PUBLIC may run
-- them (the API's functions call them as the caller).
-- ------------------------------------------------------------------------

-- The keys whose once() statement is running in this transaction (C:
-- api_check_not_running_once): a claim(), complete(), release(),
-- checkpoint() or once() of such a key, for the same role and scope, from
-- inside that statement is refused with 55006.  The marker is the
-- transaction-local setting idempotency_portable.running_once: a jsonb array
-- of [owner oid, scope, key]; empty or unset when no once() runs.  The key
-- API (portable/src/c/) calls this only when the marker is not empty.
CREATE FUNCTION idempotency.portable_once_check_not_running(
    p_scope pg_catalog.text, p_key pg_catalog.text, p_funcname pg_catalog.text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_marker pg_catalog.text := pg_catalog.current_setting('idempotency_portable.running_once', true);
BEGIN
    IF v_marker IS NULL OR v_marker OPERATOR(pg_catalog.=) '' OR v_marker OPERATOR(pg_catalog.=) '[]' THEN
        RETURN;
    END IF;
    IF v_marker::pg_catalog.jsonb OPERATOR(pg_catalog.@>) pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(
           (SELECT r.oid FROM pg_catalog.pg_roles AS r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER), p_scope, p_key)) THEN
        RAISE EXCEPTION 'idempotency key "%" is in use by a once() call running in this transaction', p_key
            USING ERRCODE = '55006',
                  DETAIL = pg_catalog.format('%s was called from the statement that once() runs for the same key.',
                                             p_funcname),
                  HINT = 'Give the inner call a key of its own.';
    END IF;
END
$function$;

-- hash_bytes_extended() of src/common/hashfn.c (Bob Jenkins' lookup3, as
-- PostgreSQL computes it on a little-endian machine) of buf, twice: with
-- the seed whose high and low 32 bits are hi1/lo1, and with hi2/lo2.
-- Returns both 64-bit hashes as 32 lower-case hex digits.  once()'s
-- fingerprint needs it over bytes that no built-in hash function takes
-- (hashtextextended() refuses NUL bytes).
CREATE FUNCTION idempotency.portable_once_hash2(buf pg_catalog.bytea,
                                                hi1 pg_catalog.int8, lo1 pg_catalog.int8,
                                                hi2 pg_catalog.int8, lo2 pg_catalog.int8)
RETURNS pg_catalog.text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    M CONSTANT pg_catalog.int8 := 4294967295;
    n pg_catalog.int4 := pg_catalog.octet_length(buf);
    nb pg_catalog.int4 := n / 12;
    w1 pg_catalog.int8;
    w2 pg_catalog.int8;
    w3 pg_catalog.int8;
    a1 pg_catalog.int8;
    b1 pg_catalog.int8;
    c1 pg_catalog.int8;
    a2 pg_catalog.int8;
    b2 pg_catalog.int8;
    c2 pg_catalog.int8;
    j pg_catalog.int4;
BEGIN
    -- buf zero-padded to whole blocks of 12 bytes, read as little-endian
    -- 32-bit words (w1, w2, w3) block by block below
    buf := buf || '\x000000000000000000000000'::pg_catalog.bytea;
    a1 := (2654435769 + n + 3923095) & M;
    b1 := a1;
    c1 := a1;
    a2 := a1;
    b2 := a1;
    c2 := a1;
    IF hi1 <> 0 OR lo1 <> 0 THEN
        a1 := (a1 + hi1) & M;
        b1 := (b1 + lo1) & M;
        a1 := ((a1 - c1) & M) # (((c1 << 4) | (c1 >> 28)) & M);
        c1 := (c1 + b1) & M;
        b1 := ((b1 - a1) & M) # (((a1 << 6) | (a1 >> 26)) & M);
        a1 := (a1 + c1) & M;
        c1 := ((c1 - b1) & M) # (((b1 << 8) | (b1 >> 24)) & M);
        b1 := (b1 + a1) & M;
        a1 := ((a1 - c1) & M) # (((c1 << 16) | (c1 >> 16)) & M);
        c1 := (c1 + b1) & M;
        b1 := ((b1 - a1) & M) # (((a1 << 19) | (a1 >> 13)) & M);
        a1 := (a1 + c1) & M;
        c1 := ((c1 - b1) & M) # (((b1 << 4) | (b1 >> 28)) & M);
        b1 := (b1 + a1) & M;
    END IF;
    IF hi2 <> 0 OR lo2 <> 0 THEN
        a2 := (a2 + hi2) & M;
        b2 := (b2 + lo2) & M;
        a2 := ((a2 - c2) & M) # (((c2 << 4) | (c2 >> 28)) & M);
        c2 := (c2 + b2) & M;
        b2 := ((b2 - a2) & M) # (((a2 << 6) | (a2 >> 26)) & M);
        a2 := (a2 + c2) & M;
        c2 := ((c2 - b2) & M) # (((b2 << 8) | (b2 >> 24)) & M);
        b2 := (b2 + a2) & M;
        a2 := ((a2 - c2) & M) # (((c2 << 16) | (c2 >> 16)) & M);
        c2 := (c2 + b2) & M;
        b2 := ((b2 - a2) & M) # (((a2 << 19) | (a2 >> 13)) & M);
        a2 := (a2 + c2) & M;
        c2 := ((c2 - b2) & M) # (((b2 << 4) | (b2 >> 28)) & M);
        b2 := (b2 + a2) & M;
    END IF;
    FOR i IN 0 .. nb - 1 LOOP
        j := i * 12;
        w1 := pg_catalog.get_byte(buf, j) | (pg_catalog.get_byte(buf, j + 1) << 8)
              | (pg_catalog.get_byte(buf, j + 2) << 16) | (pg_catalog.get_byte(buf, j + 3)::pg_catalog.int8 << 24);
        w2 := pg_catalog.get_byte(buf, j + 4) | (pg_catalog.get_byte(buf, j + 5) << 8)
              | (pg_catalog.get_byte(buf, j + 6) << 16) | (pg_catalog.get_byte(buf, j + 7)::pg_catalog.int8 << 24);
        w3 := pg_catalog.get_byte(buf, j + 8) | (pg_catalog.get_byte(buf, j + 9) << 8)
              | (pg_catalog.get_byte(buf, j + 10) << 16) | (pg_catalog.get_byte(buf, j + 11)::pg_catalog.int8 << 24);
        a1 := (a1 + w1) & M;
        b1 := (b1 + w2) & M;
        c1 := (c1 + w3) & M;
        a2 := (a2 + w1) & M;
        b2 := (b2 + w2) & M;
        c2 := (c2 + w3) & M;
        a1 := ((a1 - c1) & M) # (((c1 << 4) | (c1 >> 28)) & M);
        c1 := (c1 + b1) & M;
        b1 := ((b1 - a1) & M) # (((a1 << 6) | (a1 >> 26)) & M);
        a1 := (a1 + c1) & M;
        c1 := ((c1 - b1) & M) # (((b1 << 8) | (b1 >> 24)) & M);
        b1 := (b1 + a1) & M;
        a1 := ((a1 - c1) & M) # (((c1 << 16) | (c1 >> 16)) & M);
        c1 := (c1 + b1) & M;
        b1 := ((b1 - a1) & M) # (((a1 << 19) | (a1 >> 13)) & M);
        a1 := (a1 + c1) & M;
        c1 := ((c1 - b1) & M) # (((b1 << 4) | (b1 >> 28)) & M);
        b1 := (b1 + a1) & M;
        a2 := ((a2 - c2) & M) # (((c2 << 4) | (c2 >> 28)) & M);
        c2 := (c2 + b2) & M;
        b2 := ((b2 - a2) & M) # (((a2 << 6) | (a2 >> 26)) & M);
        a2 := (a2 + c2) & M;
        c2 := ((c2 - b2) & M) # (((b2 << 8) | (b2 >> 24)) & M);
        b2 := (b2 + a2) & M;
        a2 := ((a2 - c2) & M) # (((c2 << 16) | (c2 >> 16)) & M);
        c2 := (c2 + b2) & M;
        b2 := ((b2 - a2) & M) # (((a2 << 19) | (a2 >> 13)) & M);
        a2 := (a2 + c2) & M;
        c2 := ((c2 - b2) & M) # (((b2 << 4) | (b2 >> 28)) & M);
        b2 := (b2 + a2) & M;
    END LOOP;
    IF n % 12 <> 0 THEN
        -- the last 1 to 11 bytes; the lowest byte of c is the length's
        j := nb * 12;
        w1 := pg_catalog.get_byte(buf, j) | (pg_catalog.get_byte(buf, j + 1) << 8)
              | (pg_catalog.get_byte(buf, j + 2) << 16) | (pg_catalog.get_byte(buf, j + 3)::pg_catalog.int8 << 24);
        w2 := pg_catalog.get_byte(buf, j + 4) | (pg_catalog.get_byte(buf, j + 5) << 8)
              | (pg_catalog.get_byte(buf, j + 6) << 16) | (pg_catalog.get_byte(buf, j + 7)::pg_catalog.int8 << 24);
        w3 := (pg_catalog.get_byte(buf, j + 8) << 8) | (pg_catalog.get_byte(buf, j + 9) << 16)
              | (pg_catalog.get_byte(buf, j + 10)::pg_catalog.int8 << 24);
        a1 := (a1 + w1) & M;
        b1 := (b1 + w2) & M;
        c1 := (c1 + w3) & M;
        a2 := (a2 + w1) & M;
        b2 := (b2 + w2) & M;
        c2 := (c2 + w3) & M;
    END IF;
    c1 := ((c1 # b1) - (((b1 << 14) | (b1 >> 18)) & M)) & M;
    a1 := ((a1 # c1) - (((c1 << 11) | (c1 >> 21)) & M)) & M;
    b1 := ((b1 # a1) - (((a1 << 25) | (a1 >> 7)) & M)) & M;
    c1 := ((c1 # b1) - (((b1 << 16) | (b1 >> 16)) & M)) & M;
    a1 := ((a1 # c1) - (((c1 << 4) | (c1 >> 28)) & M)) & M;
    b1 := ((b1 # a1) - (((a1 << 14) | (a1 >> 18)) & M)) & M;
    c1 := ((c1 # b1) - (((b1 << 24) | (b1 >> 8)) & M)) & M;
    c2 := ((c2 # b2) - (((b2 << 14) | (b2 >> 18)) & M)) & M;
    a2 := ((a2 # c2) - (((c2 << 11) | (c2 >> 21)) & M)) & M;
    b2 := ((b2 # a2) - (((a2 << 25) | (a2 >> 7)) & M)) & M;
    c2 := ((c2 # b2) - (((b2 << 16) | (b2 >> 16)) & M)) & M;
    a2 := ((a2 # c2) - (((c2 << 4) | (c2 >> 28)) & M)) & M;
    b2 := ((b2 # a2) - (((a2 << 14) | (a2 >> 18)) & M)) & M;
    c2 := ((c2 # b2) - (((b2 << 24) | (b2 >> 8)) & M)) & M;
    RETURN pg_catalog.lpad(pg_catalog.to_hex(b1), 8, '0') || pg_catalog.lpad(pg_catalog.to_hex(c1), 8, '0')
        || pg_catalog.lpad(pg_catalog.to_hex(b2), 8, '0') || pg_catalog.lpad(pg_catalog.to_hex(c2), 8, '0');
END
$function$;

-- Whether once()'s fingerprint hashes values of type p_type in their text
-- form (src/once.c once_hash_as_text): an anonymous record, a type made by
-- or after initdb (OID 10000 and up), an OID alias, or an array of such;
-- domains by their base type.
CREATE FUNCTION idempotency.portable_once_as_text(p_type pg_catalog.oid)
RETURNS pg_catalog.bool
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_type pg_catalog.oid := p_type;
    v_next pg_catalog.oid;
BEGIN
    LOOP
        -- the base type of a domain
        LOOP
            SELECT t.typbasetype INTO v_next
              FROM pg_catalog.pg_type AS t
             WHERE t.oid OPERATOR(pg_catalog.=) v_type AND t.typtype OPERATOR(pg_catalog.=) 'd';
            EXIT WHEN v_next IS NULL;
            v_type := v_next;
        END LOOP;
        IF v_type OPERATOR(pg_catalog.=) 2249 OR v_type OPERATOR(pg_catalog.>=) 10000
           OR v_type OPERATOR(pg_catalog.=) ANY (ARRAY[2205, 2206, 24, 2202, 2203, 2204, 3734, 3769,
                                                       4089, 4096, 4191]::pg_catalog.oid[]) THEN
            RETURN true;
        END IF;
        -- a true array: its element type
        SELECT t.typelem INTO v_next
          FROM pg_catalog.pg_type AS t
         WHERE t.oid OPERATOR(pg_catalog.=) v_type
           AND t.typelem OPERATOR(pg_catalog.<>) 0
           AND t.typsubscript OPERATOR(pg_catalog.=) 'pg_catalog.array_subscript_handler'::pg_catalog.regproc;
        IF v_next IS NULL THEN
            RETURN false;
        END IF;
        v_type := v_next;
    END LOOP;
END
$function$;

-- A value's text form with every setting that output functions read fixed
-- (src/once.c once_fix_output_settings): the same in every session.
CREATE FUNCTION idempotency.portable_once_text_form(p_value anycompatible)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
SET timezone = 'UTC'
SET extra_float_digits = 3
SET bytea_output = 'hex'
SET lc_monetary = 'C'
SET quote_all_identifiers = off
AS $function$
BEGIN
    RETURN pg_catalog.format('%s', p_value);
END
$function$;

-- The bytes of a numeric's internal form without its varlena header
-- (src/backend/utils/adt/numeric.c make_result), rebuilt from its send
-- form: the short or the long header, then the base-10000 digits, each
-- little-endian.
CREATE FUNCTION idempotency.portable_once_numeric_bytes(p_value pg_catalog.numeric)
RETURNS pg_catalog.bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_h pg_catalog.text := pg_catalog.encode(pg_catalog.numeric_send(p_value), 'hex');
    v_w pg_catalog.int4;
    v_sign pg_catalog.int4;
    v_dscale pg_catalog.int4;
    v_b pg_catalog.bytea;
BEGIN
    v_w := ('x' || pg_catalog.substr(v_h, 5, 4))::pg_catalog.bit(16)::pg_catalog.int4;
    IF v_w OPERATOR(pg_catalog.>=) 32768 THEN
        v_w := v_w OPERATOR(pg_catalog.-) 65536;
    END IF;
    v_sign := ('x' || pg_catalog.substr(v_h, 9, 4))::pg_catalog.bit(16)::pg_catalog.int4;
    v_dscale := ('x' || pg_catalog.substr(v_h, 13, 4))::pg_catalog.bit(16)::pg_catalog.int4;
    v_b := pg_catalog.decode(pg_catalog.regexp_replace(pg_catalog.substr(v_h, 17),
               '(..)(..)', E'\\2\\1', 'g'), 'hex');
    IF v_sign OPERATOR(pg_catalog.>=) 49152 THEN
        v_w := v_sign;                  -- NaN, +-Infinity: the header alone
    ELSIF v_dscale OPERATOR(pg_catalog.<=) 63 AND v_w OPERATOR(pg_catalog.<=) 63
          AND v_w OPERATOR(pg_catalog.>=) -64 THEN
        -- the short form: sign, display scale and weight in one header
        v_w := 32768
               | CASE WHEN v_sign OPERATOR(pg_catalog.=) 16384 THEN 8192 ELSE 0 END
               | (v_dscale << 7)
               | CASE WHEN v_w OPERATOR(pg_catalog.<) 0 THEN 64 ELSE 0 END
               | (v_w & 63);
    ELSE
        -- the long form: sign and display scale, then the weight
        v_b := pg_catalog.decode(pg_catalog.regexp_replace(
                   pg_catalog.lpad(pg_catalog.to_hex(v_w & 65535), 4, '0'), '(..)(..)', E'\\2\\1'), 'hex')
               || v_b;
        v_w := v_sign | (v_dscale & 16383);
    END IF;
    RETURN pg_catalog.decode(pg_catalog.regexp_replace(
               pg_catalog.lpad(pg_catalog.to_hex(v_w), 4, '0'), '(..)(..)', E'\\2\\1'), 'hex')
           || v_b;
END
$function$;

-- A jsonb value's bytes as src/backend/utils/adt/jsonb_util.c lays it out
-- (convertJsonbValue) when it begins p_pos bytes into the datum (padding
-- aligns numbers and containers to 4 bytes), and its JEntry (p_meta):
-- containers with their header, JEntries (every 32nd an offset) and
-- children, object keys in stored order before the values, numbers as
-- numeric datums with a 4-byte header, all little-endian.
CREATE FUNCTION idempotency.portable_once_jsonb_value(p_value pg_catalog.jsonb, p_pos pg_catalog.int8,
                                                      OUT p_bytes pg_catalog.bytea, OUT p_meta pg_catalog.int8)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_type pg_catalog.text := pg_catalog.jsonb_typeof(p_value);
    v_pad pg_catalog.int4 := (4 - (p_pos % 4)::pg_catalog.int4) % 4;
    v_keys pg_catalog.text[];
    v_vals pg_catalog.jsonb[];
    v_n pg_catalog.int4;
    v_object pg_catalog.bool;
    v_pos pg_catalog.int8;
    v_total pg_catalog.int8 := 0;
    v_entries pg_catalog.bytea := '\x'::pg_catalog.bytea;
    v_data pg_catalog.bytea := '\x'::pg_catalog.bytea;
    v_b pg_catalog.bytea;
    v_m pg_catalog.int8;
    v_idx pg_catalog.int4;
BEGIN
    IF v_type OPERATOR(pg_catalog.=) 'null' THEN
        p_bytes := '\x'::pg_catalog.bytea;
        p_meta := 1073741824;                                   -- JENTRY_ISNULL
        RETURN;
    ELSIF v_type OPERATOR(pg_catalog.=) 'boolean' THEN
        p_bytes := '\x'::pg_catalog.bytea;
        p_meta := CASE WHEN p_value OPERATOR(pg_catalog.=) 'true'::pg_catalog.jsonb
                       THEN 805306368 ELSE 536870912 END;       -- JENTRY_ISBOOL_TRUE / _FALSE
        RETURN;
    ELSIF v_type OPERATOR(pg_catalog.=) 'string' THEN
        p_bytes := pg_catalog.convert_to(p_value OPERATOR(pg_catalog.#>>) '{}'::pg_catalog.text[],
                                         pg_catalog.getdatabaseencoding());
        p_meta := pg_catalog.octet_length(p_bytes);             -- JENTRY_ISSTRING
        RETURN;
    ELSIF v_type OPERATOR(pg_catalog.=) 'number' THEN
        v_b := idempotency.portable_once_numeric_bytes(
                   (p_value OPERATOR(pg_catalog.#>>) '{}'::pg_catalog.text[])::pg_catalog.numeric);
        p_bytes := pg_catalog.decode(pg_catalog.repeat('00', v_pad), 'hex')
                   || pg_catalog.decode(pg_catalog.regexp_replace(
                          pg_catalog.lpad(pg_catalog.to_hex((pg_catalog.octet_length(v_b) + 4)::pg_catalog.int8 << 2), 8, '0'),
                          '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex')
                   || v_b;
        p_meta := 268435456 | pg_catalog.octet_length(p_bytes);  -- JENTRY_ISNUMERIC
        RETURN;
    END IF;

    v_object := v_type OPERATOR(pg_catalog.=) 'object';
    IF v_object THEN
        SELECT COALESCE(pg_catalog.array_agg(e.key ORDER BY e.n), '{}'),
               COALESCE(pg_catalog.array_agg(e.value ORDER BY e.n), '{}')
          INTO v_keys, v_vals
          FROM pg_catalog.jsonb_each(p_value) WITH ORDINALITY AS e(key, value, n);
    ELSE
        SELECT COALESCE(pg_catalog.array_agg(e.value ORDER BY e.n), '{}')
          INTO v_vals
          FROM pg_catalog.jsonb_array_elements(p_value) WITH ORDINALITY AS e(value, n);
    END IF;
    v_n := pg_catalog.cardinality(v_vals);
    v_pos := p_pos + v_pad + 4 + 4 * v_n * CASE WHEN v_object THEN 2 ELSE 1 END;
    IF v_object THEN
        FOR i IN 1 .. v_n LOOP
            v_b := pg_catalog.convert_to(v_keys[i], pg_catalog.getdatabaseencoding());
            v_m := pg_catalog.octet_length(v_b);
            v_total := v_total + v_m;
            IF (i - 1) % 32 = 0 THEN
                v_m := v_total | 2147483648;                    -- JENTRY_HAS_OFF
            END IF;
            v_entries := v_entries || pg_catalog.decode(pg_catalog.regexp_replace(
                             pg_catalog.lpad(pg_catalog.to_hex(v_m), 8, '0'), '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex');
            v_data := v_data || v_b;
            v_pos := v_pos + pg_catalog.octet_length(v_b);
        END LOOP;
    END IF;
    FOR i IN 1 .. v_n LOOP
        SELECT c.p_bytes, c.p_meta INTO v_b, v_m
          FROM idempotency.portable_once_jsonb_value(v_vals[i], v_pos) AS c;
        v_total := v_total + (v_m & 268435455);
        v_idx := i - 1 + CASE WHEN v_object THEN v_n ELSE 0 END;
        IF v_idx % 32 = 0 THEN
            v_m := (v_m & 1879048192) | v_total | 2147483648;  -- type, offset, JENTRY_HAS_OFF
        END IF;
        v_entries := v_entries || pg_catalog.decode(pg_catalog.regexp_replace(
                         pg_catalog.lpad(pg_catalog.to_hex(v_m), 8, '0'), '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex');
        v_data := v_data || v_b;
        v_pos := v_pos + pg_catalog.octet_length(v_b);
    END LOOP;
    p_bytes := pg_catalog.decode(pg_catalog.repeat('00', v_pad), 'hex')
               || pg_catalog.decode(pg_catalog.regexp_replace(pg_catalog.lpad(pg_catalog.to_hex(
                      v_n | CASE WHEN v_object THEN 536870912 ELSE 1073741824 END), 8, '0'),
                      '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex')  -- JB_FOBJECT / JB_FARRAY
               || v_entries || v_data;
    p_meta := 1342177280 | pg_catalog.octet_length(p_bytes);     -- JENTRY_ISCONTAINER
END
$function$;

-- A jsonb datum's bytes after its varlena header (src/backend/utils/adt/
-- jsonb_util.c convertToJsonb): the root container, a scalar as a
-- one-element array marked scalar.
CREATE FUNCTION idempotency.portable_once_jsonb_bytes(p_value pg_catalog.jsonb)
RETURNS pg_catalog.bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_b pg_catalog.bytea;
    v_m pg_catalog.int8;
BEGIN
    IF pg_catalog.jsonb_typeof(p_value) OPERATOR(pg_catalog.=) ANY (ARRAY['object', 'array']) THEN
        SELECT c.p_bytes INTO v_b FROM idempotency.portable_once_jsonb_value(p_value, 4) AS c;
        RETURN v_b;
    END IF;
    -- header 1 | JB_FARRAY | JB_FSCALAR, one JEntry with its offset, the scalar
    SELECT c.p_bytes, c.p_meta INTO v_b, v_m FROM idempotency.portable_once_jsonb_value(p_value, 12) AS c;
    v_m := (v_m & 1879048192) | (v_m & 268435455) | 2147483648;
    RETURN '\x01000050'::pg_catalog.bytea
           || pg_catalog.decode(pg_catalog.regexp_replace(pg_catalog.lpad(pg_catalog.to_hex(v_m), 8, '0'),
                                '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex')
           || v_b;
END
$function$;

-- The bytes that once()'s fingerprint hashes for its parameters (src/once.c
-- once_fingerprint: per parameter its type, then a tagged value).  All
-- parameters have the array's element type.  The value is the bytes of its
-- internal representation (little-endian, as on the C edition's servers),
-- which this function rebuilds from the type's binary send form for: bool,
-- "char", int2, int4, int8, oid, xid, cid, float4, float8, date, time,
-- timestamp, timestamptz, money, pg_lsn, xid8, uuid, interval, timetz, name,
-- macaddr, macaddr8, point, text, varchar, bpchar, bytea, json, jsonb, xml,
-- inet, cidr and numeric; and the text form (fixed settings) for the types
-- the C edition hashes by text.  Any other type (arrays of built-in types,
-- ranges, bit strings ...) is hashed by its text form too, which the C
-- edition does not do: such a fingerprint differs between the editions
-- (portable/DIFFERENCES.md).
CREATE FUNCTION idempotency.portable_once_params_bytes(p_params anycompatiblearray)
RETURNS pg_catalog.bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_type pg_catalog.oid := pg_catalog.pg_typeof(p_params[1])::pg_catalog.oid;
    v_enc pg_catalog.name := pg_catalog.getdatabaseencoding();
    v_n pg_catalog.int4 := COALESCE(pg_catalog.cardinality(p_params), 0);
    v_typlen pg_catalog.int2;
    v_byval pg_catalog.bool;
    v_send pg_catalog.regproc;
    v_nsp pg_catalog.bytea;
    v_name pg_catalog.bytea;
    v_as_text pg_catalog.bool;
    v_typebytes pg_catalog.bytea;
    v_buf pg_catalog.bytea := '\x'::pg_catalog.bytea;
    v_b pg_catalog.bytea;
    v_h pg_catalog.text;
    v_tag pg_catalog.bytea;
    v_i pg_catalog.int4;
BEGIN
    IF v_n OPERATOR(pg_catalog.=) 0 THEN
        RETURN v_buf;
    END IF;
    -- the common built-in types without a catalog look-up (pg_type's values)
    v_typlen := CASE v_type
                    WHEN 16 THEN 1 WHEN 18 THEN 1 WHEN 21 THEN 2
                    WHEN 23 THEN 4 WHEN 26 THEN 4 WHEN 700 THEN 4 WHEN 1082 THEN 4
                    WHEN 20 THEN 8 WHEN 701 THEN 8 WHEN 1083 THEN 8 WHEN 1114 THEN 8 WHEN 1184 THEN 8
                    WHEN 790 THEN 8
                    WHEN 17 THEN -1 WHEN 25 THEN -1 WHEN 1043 THEN -1 WHEN 1042 THEN -1 WHEN 114 THEN -1
                    WHEN 142 THEN -1 WHEN 1700 THEN -1 WHEN 3802 THEN -1 WHEN 869 THEN -1 WHEN 650 THEN -1
                    WHEN 2950 THEN 16 WHEN 1186 THEN 16 WHEN 1266 THEN 12 WHEN 19 THEN 64 WHEN 829 THEN 6
                    WHEN 774 THEN 8 WHEN 600 THEN 16 END;
    IF v_typlen IS NOT NULL THEN
        v_byval := v_typlen OPERATOR(pg_catalog.>) 0 AND v_typlen OPERATOR(pg_catalog.<=) 8
                   AND v_type OPERATOR(pg_catalog.<>) ALL (ARRAY[829, 774]::pg_catalog.oid[]);
        v_as_text := false;
    ELSE
        SELECT t.typlen, t.typbyval, t.typsend,
               pg_catalog.convert_to(n.nspname::pg_catalog.text, v_enc),
               pg_catalog.convert_to(t.typname::pg_catalog.text, v_enc)
          INTO v_typlen, v_byval, v_send, v_nsp, v_name
          FROM pg_catalog.pg_type AS t
          JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace
         WHERE t.oid OPERATOR(pg_catalog.=) v_type;
        v_as_text := idempotency.portable_once_as_text(v_type);
    END IF;
    -- the type: its OID if fixed (below 10000), else 0 and schema and name
    IF v_type OPERATOR(pg_catalog.<) 10000 THEN
        v_typebytes := pg_catalog.decode(pg_catalog.regexp_replace(
            pg_catalog.lpad(pg_catalog.to_hex(v_type::pg_catalog.int8), 8, '0'),
            '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex');
    ELSE
        v_typebytes := '\x00000000'::pg_catalog.bytea
            || '\x59'::pg_catalog.bytea || pg_catalog.decode(pg_catalog.regexp_replace(
                   pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.octet_length(v_nsp)), 8, '0'),
                   '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex') || v_nsp
            || '\x59'::pg_catalog.bytea || pg_catalog.decode(pg_catalog.regexp_replace(
                   pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.octet_length(v_name)), 8, '0'),
                   '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex') || v_name;
    END IF;

    FOR v_i IN 1 .. v_n LOOP
        v_buf := v_buf || v_typebytes;
        IF pg_catalog.num_nulls(p_params[v_i]) OPERATOR(pg_catalog.=) 1 THEN
            v_buf := v_buf || '\x4e00000000'::pg_catalog.bytea;          -- 'N', length 0
            CONTINUE;
        END IF;
        v_b := NULL;
        v_tag := NULL;
        IF v_as_text THEN
            NULL;                       -- the text form, below
        ELSIF v_byval THEN
            -- the send form is the value, big-endian; the C edition hashes
            -- the Datum sign-extended to 8 bytes, little-endian
            IF v_type OPERATOR(pg_catalog.=) 23 THEN
                v_b := pg_catalog.int4send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 20 THEN
                v_b := pg_catalog.int8send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 21 THEN
                v_b := pg_catalog.int2send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 16 THEN
                v_b := pg_catalog.boolsend(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 1184 THEN
                v_b := pg_catalog.timestamptz_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 1114 THEN
                v_b := pg_catalog.timestamp_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 1082 THEN
                v_b := pg_catalog.date_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 701 THEN
                v_b := pg_catalog.float8send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 700 THEN
                v_b := pg_catalog.float4send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 26 THEN
                v_b := pg_catalog.oidsend(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 1083 THEN
                v_b := pg_catalog.time_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 790 THEN
                v_b := pg_catalog.cash_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 18 THEN
                v_b := pg_catalog.charsend(p_params[v_i]);
            ELSIF v_send OPERATOR(pg_catalog.<>) 0 THEN
                EXECUTE pg_catalog.format('SELECT %s($1)', v_send::pg_catalog.text)
                    INTO v_b USING p_params[v_i];
            END IF;
            IF v_b IS NOT NULL AND pg_catalog.octet_length(v_b) OPERATOR(pg_catalog.=) v_typlen
               AND v_typlen OPERATOR(pg_catalog.=) ANY (ARRAY[1, 2, 4, 8]) THEN
                v_h := pg_catalog.repeat(CASE WHEN pg_catalog.get_byte(v_b, 0) OPERATOR(pg_catalog.>=) 128
                                              THEN 'ff' ELSE '00' END, 8 OPERATOR(pg_catalog.-) v_typlen)
                       || pg_catalog.encode(v_b, 'hex');
                v_b := pg_catalog.decode(pg_catalog.regexp_replace(v_h,
                           '(..)(..)(..)(..)(..)(..)(..)(..)', E'\\8\\7\\6\\5\\4\\3\\2\\1'), 'hex');
                v_tag := '\x44'::pg_catalog.bytea;                       -- 'D'
            ELSE
                v_b := NULL;
            END IF;
        ELSIF v_typlen OPERATOR(pg_catalog.=) -1 THEN
            -- the bytes of the value without its header
            IF v_type OPERATOR(pg_catalog.=) 25 THEN
                v_b := pg_catalog.convert_to(p_params[v_i], v_enc);
            ELSIF v_type OPERATOR(pg_catalog.=) 1043 OR v_type OPERATOR(pg_catalog.=) 114
                  OR v_type OPERATOR(pg_catalog.=) 142 THEN
                v_b := pg_catalog.convert_to(p_params[v_i]::pg_catalog.text, v_enc);
            ELSIF v_type OPERATOR(pg_catalog.=) 1042 THEN
                v_b := pg_catalog.convert_to(pg_catalog.format('%s', p_params[v_i]), v_enc);
            ELSIF v_type OPERATOR(pg_catalog.=) 17 THEN
                v_b := p_params[v_i];
            ELSIF v_type OPERATOR(pg_catalog.=) 1700 THEN
                v_b := idempotency.portable_once_numeric_bytes(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 3802 THEN
                v_b := idempotency.portable_once_jsonb_bytes(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 869 THEN
                -- inet: family, bits, address (the send form has is_cidr and the length between)
                v_b := pg_catalog.inet_send(p_params[v_i]);
                v_b := pg_catalog.substr(v_b, 1, 2) || pg_catalog.substr(v_b, 5);
            ELSIF v_type OPERATOR(pg_catalog.=) 650 THEN
                v_b := pg_catalog.cidr_send(p_params[v_i]);
                v_b := pg_catalog.substr(v_b, 1, 2) || pg_catalog.substr(v_b, 5);
            END IF;
            IF v_b IS NOT NULL THEN
                v_tag := '\x4c'::pg_catalog.bytea;                       -- 'L'
            END IF;
        ELSIF v_typlen OPERATOR(pg_catalog.>) 0 THEN
            -- fixed length, by reference: the struct's bytes
            IF v_type OPERATOR(pg_catalog.=) 2950 THEN
                v_b := pg_catalog.uuid_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 1186 THEN
                -- time (8 bytes), day (4), month (4), each little-endian
                v_h := pg_catalog.encode(pg_catalog.interval_send(p_params[v_i]), 'hex');
                v_b := pg_catalog.decode(
                    pg_catalog.regexp_replace(pg_catalog.substr(v_h, 1, 16),
                        '(..)(..)(..)(..)(..)(..)(..)(..)', E'\\8\\7\\6\\5\\4\\3\\2\\1')
                    || pg_catalog.regexp_replace(pg_catalog.substr(v_h, 17, 16),
                        '(..)(..)(..)(..)', E'\\4\\3\\2\\1', 'g'), 'hex');
            ELSIF v_type OPERATOR(pg_catalog.=) 1266 THEN
                -- time (8 bytes), zone (4), each little-endian
                v_h := pg_catalog.encode(pg_catalog.timetz_send(p_params[v_i]), 'hex');
                v_b := pg_catalog.decode(
                    pg_catalog.regexp_replace(pg_catalog.substr(v_h, 1, 16),
                        '(..)(..)(..)(..)(..)(..)(..)(..)', E'\\8\\7\\6\\5\\4\\3\\2\\1')
                    || pg_catalog.regexp_replace(pg_catalog.substr(v_h, 17, 8),
                        '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex');
            ELSIF v_type OPERATOR(pg_catalog.=) 19 THEN
                v_b := pg_catalog.convert_to(p_params[v_i]::pg_catalog.text, v_enc);
                v_b := v_b || pg_catalog.decode(pg_catalog.repeat('00', 64 OPERATOR(pg_catalog.-)
                                                                    pg_catalog.octet_length(v_b)), 'hex');
            ELSIF v_type OPERATOR(pg_catalog.=) 829 THEN
                v_b := pg_catalog.macaddr_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 774 THEN
                v_b := pg_catalog.macaddr8_send(p_params[v_i]);
            ELSIF v_type OPERATOR(pg_catalog.=) 600 THEN
                v_h := pg_catalog.encode(pg_catalog.point_send(p_params[v_i]), 'hex');
                v_b := pg_catalog.decode(pg_catalog.regexp_replace(v_h,
                           '(..)(..)(..)(..)(..)(..)(..)(..)', E'\\8\\7\\6\\5\\4\\3\\2\\1', 'g'), 'hex');
            END IF;
            IF v_b IS NOT NULL AND pg_catalog.octet_length(v_b) OPERATOR(pg_catalog.=) v_typlen THEN
                v_tag := '\x46'::pg_catalog.bytea;                       -- 'F'
            ELSE
                v_b := NULL;
            END IF;
        END IF;
        IF v_tag IS NULL THEN
            -- the text form, with the settings fixed ('T')
            v_b := pg_catalog.convert_to(idempotency.portable_once_text_form(p_params[v_i]), v_enc);
            v_tag := '\x54'::pg_catalog.bytea;
        END IF;
        v_buf := v_buf || v_tag || pg_catalog.decode(pg_catalog.regexp_replace(
                     pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.octet_length(v_b)), 8, '0'),
                     '(..)(..)(..)(..)', E'\\4\\3\\2\\1'), 'hex') || v_b;
    END LOOP;
    RETURN v_buf;
END
$function$;

-- once()'s fingerprint of p_statement with p_params (NULL: none): 64
-- lower-case hex digits, the C edition's (src/once.c once_fingerprint):
-- the first 128 bits of the statement's SHA-256, then two 64-bit
-- hash_bytes_extended of the parameters' bytes, seeded by the rest of it.
CREATE FUNCTION idempotency.portable_once_fingerprint(p_statement pg_catalog.text,
                                                      p_params anycompatiblearray)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_d pg_catalog.bytea := pg_catalog.sha256(pg_catalog.convert_to(p_statement, pg_catalog.getdatabaseencoding()));
    v_buf pg_catalog.bytea;
    v_lo1 pg_catalog.int8;
    v_hi1 pg_catalog.int8;
    v_lo2 pg_catalog.int8;
    v_hi2 pg_catalog.int8;
BEGIN
    -- the seeds: the SHA-256's bytes 16..23 and 24..31, little-endian
    v_lo1 := pg_catalog.get_byte(v_d, 16)::pg_catalog.int8 | (pg_catalog.get_byte(v_d, 17)::pg_catalog.int8 << 8)
             | (pg_catalog.get_byte(v_d, 18)::pg_catalog.int8 << 16) | (pg_catalog.get_byte(v_d, 19)::pg_catalog.int8 << 24);
    v_hi1 := pg_catalog.get_byte(v_d, 20)::pg_catalog.int8 | (pg_catalog.get_byte(v_d, 21)::pg_catalog.int8 << 8)
             | (pg_catalog.get_byte(v_d, 22)::pg_catalog.int8 << 16) | (pg_catalog.get_byte(v_d, 23)::pg_catalog.int8 << 24);
    v_lo2 := pg_catalog.get_byte(v_d, 24)::pg_catalog.int8 | (pg_catalog.get_byte(v_d, 25)::pg_catalog.int8 << 8)
             | (pg_catalog.get_byte(v_d, 26)::pg_catalog.int8 << 16) | (pg_catalog.get_byte(v_d, 27)::pg_catalog.int8 << 24);
    v_hi2 := pg_catalog.get_byte(v_d, 28)::pg_catalog.int8 | (pg_catalog.get_byte(v_d, 29)::pg_catalog.int8 << 8)
             | (pg_catalog.get_byte(v_d, 30)::pg_catalog.int8 << 16) | (pg_catalog.get_byte(v_d, 31)::pg_catalog.int8 << 24);
    v_buf := CASE WHEN p_params IS NULL THEN '\x'::pg_catalog.bytea
                  ELSE idempotency.portable_once_params_bytes(p_params) END;
    IF pg_catalog.octet_length(v_buf) OPERATOR(pg_catalog.=) 0 THEN
        -- no parameters: hashtextextended('') is hash_bytes_extended of no bytes
        RETURN pg_catalog.left(pg_catalog.encode(v_d, 'hex'), 32)
            || pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.hashtextextended(''::pg_catalog.text, (v_hi1 << 32) | v_lo1)), 16, '0')
            || pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.hashtextextended(''::pg_catalog.text, (v_hi2 << 32) | v_lo2)), 16, '0');
    END IF;
    RETURN pg_catalog.left(pg_catalog.encode(v_d, 'hex'), 32)
        || idempotency.portable_once_hash2(v_buf, v_hi1, v_lo1, v_hi2, v_lo2);
END
$function$;

-- What once() may run (src/once.c once_check_statement): exactly one
-- SELECT, INSERT, UPDATE, DELETE or MERGE; returns 'rows' for a statement
-- that returns rows (SELECT, VALUES, TABLE, or INSERT/UPDATE/DELETE with a
-- RETURNING clause), 'norows' for the others, and raises the C edition's
-- refusals (0A000) otherwise.  No SQL parser can be called from PL/pgSQL:
-- strings, quoted identifiers, dollar quotes and comments are skipped by a
-- scanner, the statement's own words are looked at, and a statement that
-- begins with no SQL command's word is handed to the PL/pgSQL parser (an
-- anonymous block that returns before running it) for its syntax error.
-- STRICT: its scanner would never end on NULL (once() refuses a NULL
-- statement before it gets here; PUBLIC may call this directly).
CREATE FUNCTION idempotency.portable_once_statement_kind(p_statement pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_s pg_catalog.text := p_statement;
    v_len pg_catalog.int4 := pg_catalog.length(p_statement);
    v_pos pg_catalog.int4 := 1;
    v_next pg_catalog.int4;
    v_end pg_catalog.int4;
    v_depth pg_catalog.int4;
    v_out pg_catalog.text := '';
    v_ch pg_catalog.text;
    v_tag pg_catalog.text[];
    v_delim pg_catalog.text;
    v_count pg_catalog.int4;
    v_skel pg_catalog.text;
    v_prev pg_catalog.text;
    v_first pg_catalog.text;
    v_main pg_catalog.text;
BEGIN
    -- the statement's text without strings, quoted names and comments
    LOOP
        v_next := pg_catalog.regexp_instr(v_s, '[''"$]|--|/\*', v_pos);
        IF v_next OPERATOR(pg_catalog.=) 0 THEN
            v_out := v_out || pg_catalog.substr(v_s, v_pos);
            EXIT;
        END IF;
        v_out := v_out || pg_catalog.substr(v_s, v_pos, v_next OPERATOR(pg_catalog.-) v_pos);
        v_ch := pg_catalog.substr(v_s, v_next, 1);
        IF v_ch OPERATOR(pg_catalog.=) '-' THEN
            v_end := pg_catalog.strpos(pg_catalog.substr(v_s, v_next), E'\n');
            v_pos := CASE WHEN v_end OPERATOR(pg_catalog.=) 0 THEN v_len OPERATOR(pg_catalog.+) 1
                          ELSE v_next OPERATOR(pg_catalog.+) v_end END;
            v_out := v_out || ' ';
        ELSIF v_ch OPERATOR(pg_catalog.=) '/' THEN
            v_depth := 1;
            v_end := v_next OPERATOR(pg_catalog.+) 2;
            WHILE v_depth OPERATOR(pg_catalog.>) 0 LOOP
                v_next := pg_catalog.regexp_instr(v_s, '/\*|\*/', v_end);
                IF v_next OPERATOR(pg_catalog.=) 0 THEN
                    v_end := v_len OPERATOR(pg_catalog.+) 1;
                    EXIT;
                END IF;
                v_depth := v_depth OPERATOR(pg_catalog.+)
                           CASE WHEN pg_catalog.substr(v_s, v_next, 2) OPERATOR(pg_catalog.=) '/*' THEN 1 ELSE -1 END;
                v_end := v_next OPERATOR(pg_catalog.+) 2;
            END LOOP;
            v_pos := v_end;
            v_out := v_out || ' ';
        ELSIF v_ch OPERATOR(pg_catalog.=) '''' THEN
            IF v_next OPERATOR(pg_catalog.>) 1
               AND pg_catalog.substr(v_s, v_next OPERATOR(pg_catalog.-) 1, 1) OPERATOR(pg_catalog.=) ANY (ARRAY['E', 'e'])
               AND (v_next OPERATOR(pg_catalog.=) 2
                    OR pg_catalog.substr(v_s, v_next OPERATOR(pg_catalog.-) 2, 1) OPERATOR(pg_catalog.!~) '[[:alnum:]_$]') THEN
                v_end := pg_catalog.regexp_instr(v_s, '(\\.|''''|[^''\\])*''', v_next OPERATOR(pg_catalog.+) 1, 1, 1);
            ELSE
                v_end := pg_catalog.regexp_instr(v_s, '([^'']|'''')*''', v_next OPERATOR(pg_catalog.+) 1, 1, 1);
            END IF;
            v_pos := CASE WHEN v_end OPERATOR(pg_catalog.=) 0 THEN v_len OPERATOR(pg_catalog.+) 1 ELSE v_end END;
            v_out := v_out || ' ';
        ELSIF v_ch OPERATOR(pg_catalog.=) '"' THEN
            v_end := pg_catalog.regexp_instr(v_s, '([^"]|"")*"', v_next OPERATOR(pg_catalog.+) 1, 1, 1);
            v_pos := CASE WHEN v_end OPERATOR(pg_catalog.=) 0 THEN v_len OPERATOR(pg_catalog.+) 1 ELSE v_end END;
            v_out := v_out || ' x ';
        ELSE
            -- '$': a dollar quote, or part of a name or a parameter ($1)
            v_tag := NULL;
            IF v_next OPERATOR(pg_catalog.=) 1
               OR pg_catalog.substr(v_s, v_next OPERATOR(pg_catalog.-) 1, 1) OPERATOR(pg_catalog.!~) '[[:alnum:]_$]' THEN
                v_tag := pg_catalog.regexp_match(pg_catalog.substr(v_s, v_next, 200),
                                                 '^\$([[:alpha:]_][[:alnum:]_]*)?\$');
            END IF;
            IF v_tag IS NULL THEN
                v_out := v_out || '$';
                v_pos := v_next OPERATOR(pg_catalog.+) 1;
            ELSE
                v_delim := '$' || COALESCE(v_tag[1], '') || '$';
                v_end := pg_catalog.strpos(pg_catalog.substr(v_s, v_next OPERATOR(pg_catalog.+) pg_catalog.length(v_delim)),
                                           v_delim);
                v_pos := CASE WHEN v_end OPERATOR(pg_catalog.=) 0 THEN v_len OPERATOR(pg_catalog.+) 1
                              ELSE v_next OPERATOR(pg_catalog.+) (2 OPERATOR(pg_catalog.*) pg_catalog.length(v_delim))
                                   OPERATOR(pg_catalog.+) v_end OPERATOR(pg_catalog.-) 1 END;
                v_out := v_out || ' ';
            END IF;
        END IF;
        EXIT WHEN v_pos OPERATOR(pg_catalog.>) v_len;
    END LOOP;

    -- the number of statements: pieces between semicolons that hold anything
    IF pg_catalog.strpos(v_out, ';') OPERATOR(pg_catalog.=) 0 THEN
        v_count := CASE WHEN v_out OPERATOR(pg_catalog.~) '\S' THEN 1 ELSE 0 END;
    ELSE
        SELECT pg_catalog.count(*) INTO v_count
          FROM pg_catalog.regexp_split_to_table(v_out, ';') AS p
         WHERE p OPERATOR(pg_catalog.!~) '^\s*$';
    END IF;
    IF v_count OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION 'once() runs exactly one statement'
            USING ERRCODE = '0A000',
                  DETAIL = pg_catalog.format('The statement text contains %s statements.', v_count),
                  HINT = 'Call once() once per statement, with a key each, or use claim() and complete().';
    END IF;

    -- the statement's top level: every parenthesized part left out
    v_skel := v_out;
    LOOP
        v_prev := v_skel;
        v_skel := pg_catalog.regexp_replace(v_skel, '\([^()]*\)', ' ', 'g');
        EXIT WHEN v_skel OPERATOR(pg_catalog.=) v_prev;
    END LOOP;
    v_first := pg_catalog.lower(SUBSTRING(v_out FROM '^[\s(;]*([[:alpha:]_]+)'));
    v_main := v_first;
    IF v_first OPERATOR(pg_catalog.=) 'with' THEN
        v_main := COALESCE(pg_catalog.lower(SUBSTRING(v_skel
                               FROM '(?i)\m(select|insert|update|delete|merge|values|table)\M')), 'select');
    END IF;

    IF v_main OPERATOR(pg_catalog.=) ANY (ARRAY['select', 'values', 'table']) THEN
        -- SELECT INTO (which PostgreSQL makes CREATE TABLE AS): an INTO
        -- that is not INSERT's or MERGE's
        IF pg_catalog.regexp_replace(v_out, '\m(insert|merge)\s+into\M', ' ', 'gi')
           OPERATOR(pg_catalog.~*) '\minto\M' THEN
            RAISE EXCEPTION 'once() does not run SELECT INTO'
                USING ERRCODE = '0A000';
        END IF;
        RETURN 'rows';
    ELSIF v_main OPERATOR(pg_catalog.=) ANY (ARRAY['insert', 'update', 'delete']) THEN
        RETURN CASE WHEN v_skel OPERATOR(pg_catalog.~*) '\mreturning\M' THEN 'rows' ELSE 'norows' END;
    ELSIF v_main OPERATOR(pg_catalog.=) 'merge' THEN
        RETURN 'norows';
    ELSIF v_first OPERATOR(pg_catalog.=) ANY (ARRAY['begin', 'start', 'commit', 'end', 'rollback', 'abort',
                                                    'savepoint', 'release'])
          OR v_out OPERATOR(pg_catalog.~*) '^[\s(;]*prepare\s+transaction\M' THEN
        RAISE EXCEPTION 'once() does not run transaction control statements'
            USING ERRCODE = '0A000',
                  DETAIL = 'once() runs inside the caller''s transaction, which decides whether its work commits.';
    ELSIF v_first IS NULL OR NOT v_first OPERATOR(pg_catalog.=) ANY (ARRAY[
              'alter', 'analyze', 'analyse', 'call', 'checkpoint', 'close', 'cluster', 'comment', 'copy',
              'create', 'deallocate', 'declare', 'discard', 'do', 'drop', 'execute', 'explain', 'fetch',
              'grant', 'import', 'listen', 'load', 'lock', 'move', 'notify', 'prepare', 'reassign',
              'refresh', 'reindex', 'reset', 'revoke', 'security', 'set', 'show', 'truncate', 'unlisten',
              'vacuum']) THEN
        -- not an SQL command: the parser's syntax error, as in the C edition
        EXECUTE 'DO ' || pg_catalog.quote_literal('BEGIN RETURN; ' || p_statement || E'\n; END');
    END IF;
    RAISE EXCEPTION 'once() runs only SELECT, INSERT, UPDATE, DELETE or MERGE statements'
        USING ERRCODE = '0A000';
END
$function$;

-- once() and once_with(): every overload calls this with its arguments
-- (scope '' and no ttl or fingerprint for once(); p_params NULL for none)
-- and the caller's search_path, under which the statement runs (as in the
-- C edition, where it runs in the caller's context); everything else here
-- runs under this function's pinned search_path.
CREATE FUNCTION idempotency.portable_once(p_key pg_catalog.text, p_scope pg_catalog.text,
                                          p_ttl pg_catalog.interval, p_fingerprint pg_catalog.text,
                                          p_statement pg_catalog.text, p_params anycompatiblearray,
                                          p_search_path pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_n pg_catalog.int4 := 0;
    v_fp pg_catalog.text;
    v_claim idempotency.claim_result;
    v_kind pg_catalog.text;
    v_cur refcursor;
    v_rec record;
    v_rows pg_catalog.jsonb[] := '{}';
    v_response pg_catalog.jsonb;
    v_marker pg_catalog.text;
    v_owner pg_catalog.oid;
    v_h pg_catalog.int8;
    v_direct pg_catalog.bool := false;
    v_now pg_catalog.timestamptz;
    v_ttl_us pg_catalog.numeric;
    v_digest pg_catalog.text;
    v_row record;
BEGIN
    IF pg_catalog.pg_is_in_recovery() THEN
        RAISE EXCEPTION 'cannot execute once() during recovery'
            USING ERRCODE = '25006';
    END IF;
    IF pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on' THEN
        RAISE EXCEPTION 'cannot execute once() in a read-only transaction'
            USING ERRCODE = '25006';
    END IF;
    -- the key and the scope: portable_check_args() has the errors
    IF p_key IS NULL OR p_scope IS NULL
       OR pg_catalog.octet_length(p_key) OPERATOR(pg_catalog.<) 1
       OR pg_catalog.octet_length(p_key) OPERATOR(pg_catalog.>) 255
       OR pg_catalog.octet_length(p_scope) OPERATOR(pg_catalog.>) 255 THEN
        PERFORM idempotency.portable_check_args(p_key, p_scope, NULL, NULL, 0, false, false);
    END IF;
    IF p_ttl IS NOT NULL THEN
        v_ttl_us := idempotency.portable_batch_interval_usecs(p_ttl, 'ttl', false, 315360000);
    END IF;
    IF p_statement IS NULL THEN
        RAISE EXCEPTION 'statement must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF p_params IS NOT NULL THEN
        -- an explicit VARIADIC array's elements, whatever its bounds
        IF pg_catalog.array_ndims(p_params) OPERATOR(pg_catalog.>) 1
           OR pg_catalog.array_lower(p_params, 1) OPERATOR(pg_catalog.<>) 1 THEN
            p_params := ARRAY(SELECT pg_catalog.unnest(p_params));
        END IF;
        v_n := COALESCE(pg_catalog.cardinality(p_params), 0);
        IF v_n OPERATOR(pg_catalog.>) 100 THEN
            RAISE EXCEPTION 'once() takes at most 100 statement parameters'
                USING ERRCODE = '54023';
        END IF;
    END IF;
    IF p_fingerprint IS NOT NULL THEN
        IF pg_catalog.octet_length(p_fingerprint) OPERATOR(pg_catalog.>) 1024 THEN
            RAISE EXCEPTION 'fingerprint must be at most 1024 bytes long'
                USING ERRCODE = '22023';
        END IF;
        v_fp := p_fingerprint;
    ELSE
        v_fp := idempotency.portable_once_fingerprint(p_statement, p_params);
    END IF;

    -- the digest the key table stores: idempotency.fingerprint_digest(), inline
    v_digest := pg_catalog.translate(pg_catalog.encode(
                    pg_catalog.int8send(pg_catalog.hashtextextended(v_fp COLLATE "C", 5279420861379522609))
                    OPERATOR(pg_catalog.||)
                    pg_catalog.substr(pg_catalog.int8send(pg_catalog.hashtextextended(v_fp COLLATE "C",
                                                                                      5279420861379522610)), 1, 4),
                    'base64'), '+/', '-_');

    -- the key's lock and marker are claim()'s (portable/src/extra/10_core.sql)
    v_owner := (SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER);
    -- the key's lock hash (10_core.sql's conventions), inline
    v_h := pg_catalog.hashtextextended(p_key COLLATE "C",
               pg_catalog.hashtextextended(p_scope COLLATE "C", v_owner::pg_catalog.int8));
    v_marker := pg_catalog.current_setting('idempotency_portable.running_once', true);
    IF v_marker IS NOT NULL AND v_marker OPERATOR(pg_catalog.<>) '' THEN
        PERFORM idempotency.portable_once_check_not_running(p_scope, p_key, 'once()');
    END IF;

    -- A new key (the common case) under READ COMMITTED: lock it, and when
    -- it has no row, run the statement and write the completed row at once
    -- (src/once.c: defer_insert; no in_progress row, so a duplicate waiting
    -- for the lock sees no row of ours until we commit).  Anything else
    -- (a row, expired or not; REPEATABLE READ or SERIALIZABLE, whose
    -- snapshot may miss a row committed since) goes through claim().
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.=) 'read committed' THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(v_h);
        SELECT k.state, k.fingerprint, k.response, k.expires_at INTO v_row
          FROM idempotency.idempotency_keys AS k
         WHERE k.key OPERATOR(pg_catalog.=) p_key
           AND k.scope OPERATOR(pg_catalog.=) p_scope
           AND k.owner OPERATOR(pg_catalog.=) v_owner::pg_catalog.regrole;
        v_direct := NOT FOUND;
        IF NOT v_direct AND v_row.state OPERATOR(pg_catalog.=) 'completed'
           AND v_row.expires_at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp() THEN
            -- a replay, as claim() makes it (src/api.c api_claim_decide)
            IF v_row.fingerprint IS NOT NULL AND v_row.fingerprint OPERATOR(pg_catalog.<>) v_digest THEN
                RAISE EXCEPTION 'idempotency key "%" was already used for a different request', p_key
                    USING ERRCODE = 'IK001',
                          DETAIL = 'The key''s stored fingerprint differs from the fingerprint given.',
                          HINT = 'Use a new key for a new request.';
            END IF;
            RETURN v_row.response;
        END IF;
    END IF;
    IF NOT v_direct THEN
        SELECT * INTO v_claim FROM idempotency.claim(p_key, p_scope, v_fp, NULL, NULL, p_ttl);
        IF v_claim.outcome OPERATOR(pg_catalog.=) 'completed' THEN
            RETURN v_claim.response;
        ELSIF v_claim.outcome OPERATOR(pg_catalog.=) 'in_progress' THEN
            IF v_claim.lease_holder_pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() THEN
                RAISE EXCEPTION 'idempotency key "%" is held under a lease by this session', p_key
                    USING ERRCODE = '55P03',
                          HINT = 'complete() or release() the lease claim before once() runs under its key.';
            END IF;
            RAISE EXCEPTION 'idempotency key "%" is held under a lease by another session', p_key
                USING ERRCODE = '55P03',
                      HINT = 'once() cannot run while a lease claim holds the key; wait for the lease to end.';
        END IF;
    END IF;

    -- claimed or recovered: run the statement, its key marked as running
    v_kind := idempotency.portable_once_statement_kind(p_statement);
    PERFORM pg_catalog.set_config('idempotency_portable.running_once',
        (COALESCE(NULLIF(v_marker, ''), '[]')::pg_catalog.jsonb
         || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(v_owner, p_scope, p_key)))::pg_catalog.text,
        true);
    PERFORM pg_catalog.set_config('search_path', p_search_path, true);
    IF v_kind OPERATOR(pg_catalog.=) 'rows' THEN
        CASE v_n
            WHEN 0 THEN OPEN v_cur FOR EXECUTE p_statement;
            WHEN 1 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1];
            WHEN 2 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2];
            WHEN 3 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3];
            WHEN 4 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4];
            WHEN 5 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5];
            WHEN 6 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6];
            WHEN 7 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7];
            WHEN 8 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8];
            WHEN 9 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9];
            WHEN 10 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10];
            WHEN 11 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11];
            WHEN 12 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12];
            WHEN 13 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13];
            WHEN 14 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14];
            WHEN 15 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15];
            WHEN 16 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16];
            WHEN 17 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17];
            WHEN 18 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18];
            WHEN 19 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19];
            WHEN 20 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20];
            WHEN 21 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21];
            WHEN 22 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22];
            WHEN 23 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23];
            WHEN 24 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24];
            WHEN 25 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25];
            WHEN 26 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26];
            WHEN 27 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27];
            WHEN 28 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28];
            WHEN 29 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29];
            WHEN 30 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30];
            WHEN 31 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31];
            WHEN 32 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32];
            WHEN 33 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33];
            WHEN 34 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34];
            WHEN 35 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35];
            WHEN 36 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36];
            WHEN 37 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37];
            WHEN 38 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38];
            WHEN 39 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39];
            WHEN 40 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40];
            WHEN 41 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41];
            WHEN 42 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42];
            WHEN 43 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43];
            WHEN 44 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44];
            WHEN 45 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45];
            WHEN 46 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46];
            WHEN 47 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47];
            WHEN 48 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48];
            WHEN 49 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49];
            WHEN 50 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50];
            WHEN 51 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51];
            WHEN 52 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52];
            WHEN 53 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53];
            WHEN 54 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54];
            WHEN 55 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55];
            WHEN 56 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56];
            WHEN 57 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57];
            WHEN 58 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58];
            WHEN 59 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59];
            WHEN 60 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60];
            WHEN 61 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61];
            WHEN 62 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62];
            WHEN 63 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63];
            WHEN 64 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64];
            WHEN 65 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65];
            WHEN 66 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66];
            WHEN 67 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67];
            WHEN 68 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68];
            WHEN 69 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69];
            WHEN 70 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70];
            WHEN 71 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71];
            WHEN 72 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72];
            WHEN 73 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73];
            WHEN 74 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74];
            WHEN 75 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75];
            WHEN 76 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76];
            WHEN 77 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77];
            WHEN 78 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78];
            WHEN 79 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79];
            WHEN 80 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80];
            WHEN 81 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81];
            WHEN 82 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82];
            WHEN 83 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83];
            WHEN 84 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84];
            WHEN 85 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85];
            WHEN 86 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86];
            WHEN 87 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87];
            WHEN 88 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88];
            WHEN 89 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89];
            WHEN 90 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90];
            WHEN 91 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91];
            WHEN 92 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92];
            WHEN 93 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93];
            WHEN 94 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94];
            WHEN 95 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95];
            WHEN 96 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96];
            WHEN 97 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97];
            WHEN 98 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97], p_params[98];
            WHEN 99 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97], p_params[98], p_params[99];
            WHEN 100 THEN OPEN v_cur FOR EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97], p_params[98], p_params[99], p_params[100];
        END CASE;
        LOOP
            FETCH v_cur INTO v_rec;
            EXIT WHEN NOT FOUND;
            v_rows := v_rows || pg_catalog.to_jsonb(v_rec);
        END LOOP;
        CLOSE v_cur;
    ELSE
        CASE v_n
            WHEN 0 THEN EXECUTE p_statement;
            WHEN 1 THEN EXECUTE p_statement USING p_params[1];
            WHEN 2 THEN EXECUTE p_statement USING p_params[1], p_params[2];
            WHEN 3 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3];
            WHEN 4 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4];
            WHEN 5 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5];
            WHEN 6 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6];
            WHEN 7 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7];
            WHEN 8 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8];
            WHEN 9 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9];
            WHEN 10 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10];
            WHEN 11 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11];
            WHEN 12 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12];
            WHEN 13 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13];
            WHEN 14 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14];
            WHEN 15 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15];
            WHEN 16 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16];
            WHEN 17 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17];
            WHEN 18 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18];
            WHEN 19 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19];
            WHEN 20 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20];
            WHEN 21 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21];
            WHEN 22 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22];
            WHEN 23 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23];
            WHEN 24 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24];
            WHEN 25 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25];
            WHEN 26 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26];
            WHEN 27 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27];
            WHEN 28 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28];
            WHEN 29 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29];
            WHEN 30 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30];
            WHEN 31 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31];
            WHEN 32 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32];
            WHEN 33 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33];
            WHEN 34 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34];
            WHEN 35 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35];
            WHEN 36 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36];
            WHEN 37 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37];
            WHEN 38 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38];
            WHEN 39 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39];
            WHEN 40 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40];
            WHEN 41 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41];
            WHEN 42 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42];
            WHEN 43 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43];
            WHEN 44 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44];
            WHEN 45 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45];
            WHEN 46 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46];
            WHEN 47 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47];
            WHEN 48 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48];
            WHEN 49 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49];
            WHEN 50 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50];
            WHEN 51 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51];
            WHEN 52 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52];
            WHEN 53 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53];
            WHEN 54 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54];
            WHEN 55 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55];
            WHEN 56 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56];
            WHEN 57 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57];
            WHEN 58 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58];
            WHEN 59 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59];
            WHEN 60 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60];
            WHEN 61 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61];
            WHEN 62 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62];
            WHEN 63 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63];
            WHEN 64 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64];
            WHEN 65 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65];
            WHEN 66 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66];
            WHEN 67 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67];
            WHEN 68 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68];
            WHEN 69 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69];
            WHEN 70 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70];
            WHEN 71 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71];
            WHEN 72 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72];
            WHEN 73 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73];
            WHEN 74 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74];
            WHEN 75 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75];
            WHEN 76 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76];
            WHEN 77 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77];
            WHEN 78 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78];
            WHEN 79 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79];
            WHEN 80 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80];
            WHEN 81 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81];
            WHEN 82 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82];
            WHEN 83 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83];
            WHEN 84 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84];
            WHEN 85 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85];
            WHEN 86 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86];
            WHEN 87 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87];
            WHEN 88 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88];
            WHEN 89 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89];
            WHEN 90 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90];
            WHEN 91 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91];
            WHEN 92 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92];
            WHEN 93 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93];
            WHEN 94 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94];
            WHEN 95 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95];
            WHEN 96 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96];
            WHEN 97 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97];
            WHEN 98 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97], p_params[98];
            WHEN 99 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97], p_params[98], p_params[99];
            WHEN 100 THEN EXECUTE p_statement USING p_params[1], p_params[2], p_params[3], p_params[4], p_params[5], p_params[6], p_params[7], p_params[8], p_params[9], p_params[10], p_params[11], p_params[12], p_params[13], p_params[14], p_params[15], p_params[16], p_params[17], p_params[18], p_params[19], p_params[20], p_params[21], p_params[22], p_params[23], p_params[24], p_params[25], p_params[26], p_params[27], p_params[28], p_params[29], p_params[30], p_params[31], p_params[32], p_params[33], p_params[34], p_params[35], p_params[36], p_params[37], p_params[38], p_params[39], p_params[40], p_params[41], p_params[42], p_params[43], p_params[44], p_params[45], p_params[46], p_params[47], p_params[48], p_params[49], p_params[50], p_params[51], p_params[52], p_params[53], p_params[54], p_params[55], p_params[56], p_params[57], p_params[58], p_params[59], p_params[60], p_params[61], p_params[62], p_params[63], p_params[64], p_params[65], p_params[66], p_params[67], p_params[68], p_params[69], p_params[70], p_params[71], p_params[72], p_params[73], p_params[74], p_params[75], p_params[76], p_params[77], p_params[78], p_params[79], p_params[80], p_params[81], p_params[82], p_params[83], p_params[84], p_params[85], p_params[86], p_params[87], p_params[88], p_params[89], p_params[90], p_params[91], p_params[92], p_params[93], p_params[94], p_params[95], p_params[96], p_params[97], p_params[98], p_params[99], p_params[100];
        END CASE;
    END IF;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    PERFORM pg_catalog.set_config('idempotency_portable.running_once', COALESCE(v_marker, ''), true);

    v_response := pg_catalog.to_jsonb(v_rows);
    IF v_direct THEN
        -- no limit is below 1kB: a smaller response needs no closer look
        IF pg_catalog.pg_column_size(v_response) OPERATOR(pg_catalog.>) 1028 THEN
            PERFORM idempotency.portable_check_response_size(v_response);
        END IF;
        IF v_ttl_us IS NULL
           AND COALESCE(pg_catalog.current_setting('idempotency.default_ttl', true), '')
               OPERATOR(pg_catalog.=) ANY ('{"",1d}'::pg_catalog.text[]) THEN
            v_ttl_us := 86400000000;    -- as claim() has it
        END IF;
        v_now := pg_catalog.clock_timestamp();
        INSERT INTO idempotency.idempotency_keys AS k
               (owner, scope, key, state, fingerprint, response, created_at, completed_at, expires_at)
        VALUES (v_owner::pg_catalog.regrole, p_scope, p_key, 'completed',
                v_digest,
                v_response, v_now, v_now,
                v_now OPERATOR(pg_catalog.+)
                    (COALESCE(v_ttl_us, idempotency.portable_default_ttl_us()::pg_catalog.numeric)::pg_catalog.float8
                     OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval));
    ELSE
        PERFORM idempotency.complete(p_key, v_response, NULL, p_scope);
    END IF;
    RETURN v_response;
END
$function$;

GRANT EXECUTE ON FUNCTION idempotency.portable_once_check_not_running(pg_catalog.text, pg_catalog.text, pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_hash2(pg_catalog.bytea, pg_catalog.int8, pg_catalog.int8, pg_catalog.int8, pg_catalog.int8) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_as_text(pg_catalog.oid) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_numeric_bytes(pg_catalog.numeric) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_jsonb_value(pg_catalog.jsonb, pg_catalog.int8) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_jsonb_bytes(pg_catalog.jsonb) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_text_form(anycompatible) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_params_bytes(anycompatiblearray) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_fingerprint(pg_catalog.text, anycompatiblearray) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once_statement_kind(pg_catalog.text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION idempotency.portable_once(pg_catalog.text, pg_catalog.text, pg_catalog.interval, pg_catalog.text, pg_catalog.text, anycompatiblearray, pg_catalog.text) TO PUBLIC;
