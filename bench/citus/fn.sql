-- (fn) a delegated function of the user's calling the routed functions:
-- claim, the business insert and complete in one call on the worker.
\set acct random(1, 100000)
\set h random(0, 9223372036854775806)
SELECT app.pay(:acct, 'r' || :h, 100);
