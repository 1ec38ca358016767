-- (f) a plain primary-key SELECT of the same key rows as (e).  The runner
-- connects as a superuser, to whom row-level security does not apply, so
-- this is the bare index lookup; :owner is the connecting role's OID.
\set n random(1, :nkeys)
SELECT * FROM idempotency.idempotency_keys WHERE owner = :owner AND scope = '' AND key = '00000000-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0');
