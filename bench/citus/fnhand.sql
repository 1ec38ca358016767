-- (fnhand) the same delegated function writing the key's completed row by
-- hand beside the business insert (hand, inside a function).
\set acct random(1, 100000)
\set h random(0, 9223372036854775806)
SELECT app.pay_hand(:acct, 'r' || :h, 100);
