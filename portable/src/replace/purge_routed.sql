-- Portable edition: there are no routed key tables (distribute() needs the
-- C edition), so purge_routed() refuses after checking its argument as the
-- C edition does (portable/DIFFERENCES.md).
CREATE FUNCTION idempotency.purge_routed(batch_size pg_catalog.int4 DEFAULT 10000)
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF purge_routed.batch_size IS NULL THEN
        RAISE EXCEPTION 'batch size must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF purge_routed.batch_size OPERATOR(pg_catalog.<) 1
       OR purge_routed.batch_size OPERATOR(pg_catalog.>) 1000000 THEN
        RAISE EXCEPTION 'invalid batch size %', purge_routed.batch_size
            USING ERRCODE = '22023',
                  DETAIL = 'The batch size must be between 1 and 1000000.';
    END IF;
    RAISE EXCEPTION 'idempotency.purge_routed() needs the C edition of the extension'
        USING ERRCODE = '0A000',
              DETAIL = 'The portable edition (idempotency_portable) has no routed key tables: Citus needs the C edition.',
              HINT = 'idempotency.purge() deletes the expired keys of idempotency.idempotency_keys.';
END
$function$;
