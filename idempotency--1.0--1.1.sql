-- idempotency 1.0 -> 1.1: upgrade script.  A fresh CREATE EXTENSION runs
-- idempotency--1.0.sql and then this file, so this is also how 1.1 is
-- installed.  The install-script rules apply (docs/releasing.md): every name
-- schema-qualified, search_path pinned, privileges revoked from PUBLIC and
-- granted deliberately.

\echo Use "ALTER EXTENSION idempotency UPDATE TO '1.1'" to load this file. \quit

