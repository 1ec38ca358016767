
-- ------------------------------------------------------------------------
-- once(): a statement run exactly once per key; its rows are stored and
-- replayed as a jsonb array of objects.  The statement's parameters $1..$n
-- are the arguments after it, passed with their own types.
-- once_with() also takes a scope ('' is the default scope; NULL is an error,
-- as everywhere), a ttl and an explicit fingerprint (NULL for either: the
-- default).
-- ------------------------------------------------------------------------
CREATE FUNCTION idempotency.once(key pg_catalog.text, statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once';

CREATE FUNCTION idempotency.once(key pg_catalog.uuid, statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_uuid';

CREATE FUNCTION idempotency.once(key pg_catalog.text, statement pg_catalog.text,
                                 VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once';

CREATE FUNCTION idempotency.once(key pg_catalog.uuid, statement pg_catalog.text,
                                 VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_uuid';

CREATE FUNCTION idempotency.once_with(key pg_catalog.text, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with';

CREATE FUNCTION idempotency.once_with(key pg_catalog.uuid, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with_uuid';

CREATE FUNCTION idempotency.once_with(key pg_catalog.text, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text, VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with';

CREATE FUNCTION idempotency.once_with(key pg_catalog.uuid, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text, VARIADIC params "any")
RETURNS pg_catalog.jsonb
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'idempotency_once_with_uuid';
