-- Portable edition: once_with().  As once() (portable/src/replace/once.sql):
-- VARIADIC params anycompatiblearray where the C edition has VARIADIC "any".
--
-- @caller-search-path: as once(), these functions do not pin search_path:
-- the statement runs under the caller's (portable/src/replace/once.sql).
CREATE FUNCTION idempotency.once_with(key pg_catalog.text, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once_with.key, once_with.scope, once_with.ttl, once_with.fingerprint,
                                     once_with.statement, NULL::pg_catalog.text[],
                                     pg_catalog.current_setting('search_path'));
END
$function$;

CREATE FUNCTION idempotency.once_with(key pg_catalog.uuid, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once_with.key::pg_catalog.text, once_with.scope, once_with.ttl,
                                     once_with.fingerprint, once_with.statement, NULL::pg_catalog.text[],
                                     pg_catalog.current_setting('search_path'));
END
$function$;

CREATE FUNCTION idempotency.once_with(key pg_catalog.text, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text, VARIADIC params anycompatiblearray)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once_with.key, once_with.scope, once_with.ttl, once_with.fingerprint,
                                     once_with.statement, once_with.params,
                                     pg_catalog.current_setting('search_path'));
END
$function$;

CREATE FUNCTION idempotency.once_with(key pg_catalog.uuid, scope pg_catalog.text,
                                      ttl pg_catalog.interval, fingerprint pg_catalog.text,
                                      statement pg_catalog.text, VARIADIC params anycompatiblearray)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once_with.key::pg_catalog.text, once_with.scope, once_with.ttl,
                                     once_with.fingerprint, once_with.statement, once_with.params,
                                     pg_catalog.current_setting('search_path'));
END
$function$;
