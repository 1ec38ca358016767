-- Portable edition: Citus's routed entry points are C functions, so
-- distribute() refuses (portable/DIFFERENCES.md).  Same header as the C
-- edition's; its arguments are checked as there.
CREATE FUNCTION idempotency.distribute(
    business_table pg_catalog.regclass,
    routing_column pg_catalog.name,
    api_schema pg_catalog.name)
RETURNS pg_catalog.regclass
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
    IF business_table IS NULL OR routing_column IS NULL OR api_schema IS NULL THEN
        RAISE EXCEPTION 'distribute() arguments must not be null'
            USING ERRCODE = '22004';
    END IF;
    RAISE EXCEPTION 'idempotency.distribute() needs the C edition of the extension'
        USING ERRCODE = '0A000',
              DETAIL = 'The portable edition (idempotency_portable) has no routed key tables: the entry points that Citus delegates to its workers are C functions.',
              HINT = 'On Citus, install the C edition (CREATE EXTENSION idempotency); on plain PostgreSQL use the functions of schema idempotency, which need no distribution.';
END
$body$;
