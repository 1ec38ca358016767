-- Portable edition: once().  PL/pgSQL cannot take VARIADIC "any", so the
-- overloads with parameters take VARIADIC params anycompatiblearray: the
-- parameters share one type (the common type of the arguments), where the
-- C edition passes each with its own (portable/DIFFERENCES.md).  The body
-- is idempotency.portable_once() (portable/src/extra/h2-once.sql).
--
-- @caller-search-path: these functions do not pin search_path, as the C
-- edition's once() does not: the statement runs under the caller's
-- search_path.  Each body is one call, every name in it schema-qualified,
-- that hands the caller's search_path to portable_once(), which pins its
-- own and sets the caller's only while the statement runs.
CREATE FUNCTION idempotency.once(key pg_catalog.text, statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once.key, '', NULL, NULL, once.statement, NULL::pg_catalog.text[],
                                     pg_catalog.current_setting('search_path'));
END
$function$;

CREATE FUNCTION idempotency.once(key pg_catalog.uuid, statement pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once.key::pg_catalog.text, '', NULL, NULL, once.statement,
                                     NULL::pg_catalog.text[],
                                     pg_catalog.current_setting('search_path'));
END
$function$;

CREATE FUNCTION idempotency.once(key pg_catalog.text, statement pg_catalog.text,
                                 VARIADIC params anycompatiblearray)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once.key, '', NULL, NULL, once.statement, once.params,
                                     pg_catalog.current_setting('search_path'));
END
$function$;

CREATE FUNCTION idempotency.once(key pg_catalog.uuid, statement pg_catalog.text,
                                 VARIADIC params anycompatiblearray)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
AS $function$
BEGIN
    RETURN idempotency.portable_once(once.key::pg_catalog.text, '', NULL, NULL, once.statement, once.params,
                                     pg_catalog.current_setting('search_path'));
END
$function$;
