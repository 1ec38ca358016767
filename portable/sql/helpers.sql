-- The portable edition's helper functions that PUBLIC may run (the API
-- calls them as its caller) answer promptly, whatever they are given:
-- called with every argument NULL, each returns or fails with an error
-- (caught here), and none runs into the time limit or an internal error.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idempotency_portable;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE OR REPLACE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE TEMP TABLE helper_calls (fn text, outcome text);

-- one statement per call, each under its own time limit (a call that runs
-- into it fails the INSERT, which this file's output would show)
SET statement_timeout = '10s';
SELECT format('INSERT INTO helper_calls SELECT %L, try(%L)', p.oid::regprocedure::text,
              format('SELECT %s(%s)', p.oid::regproc,
                     (SELECT string_agg('NULL::' || pg_catalog.format_type(t, NULL), ', ' ORDER BY o)
                        FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, o))))
  FROM pg_proc p
 WHERE p.pronamespace = 'idempotency'::regnamespace
   AND p.proname LIKE 'portable\_%'
   AND p.prorettype <> 'trigger'::regtype
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1 \gexec
RESET statement_timeout;

SELECT count(*) >= 20 AS helpers_called FROM helper_calls;
-- none failed with an internal error, a time limit or a cancel
SELECT fn, outcome FROM helper_calls
 WHERE outcome LIKE 'XX%' OR outcome LIKE '57%' ORDER BY fn;
DROP TABLE helper_calls;
DROP FUNCTION try(text);
