LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    -- The C edition's digest (src/fingerprint.c): 96 bits of two 64-bit
    -- hash_bytes_extended of the fingerprint's bytes, seeds
    -- 0x4944454d46503031 and 0x4944454d46503032 (hashtextextended hashes the
    -- same bytes in a deterministic collation), the first hash's 64 bits
    -- then the second's high 32, in 16 base64url characters: base64 of those
    -- 12 bytes, big-endian, with the URL alphabet.
    SELECT pg_catalog.translate(
               pg_catalog.encode(
                   pg_catalog.int8send(pg_catalog.hashtextextended(
                       fingerprint_digest.fingerprint COLLATE "C", 5279420861379522609))
                   OPERATOR(pg_catalog.||)
                   pg_catalog.substr(pg_catalog.int8send(pg_catalog.hashtextextended(
                       fingerprint_digest.fingerprint COLLATE "C", 5279420861379522610)), 1, 4),
                   'base64'),
               '+/', '-_')
$function$
