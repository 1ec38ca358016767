/*-------------------------------------------------------------------------
 * keystore.h
 *	  Direct access to idempotency.idempotency_keys through its primary key.
 *
 *	  Callers serialise writers of one key with the key's advisory lock
 *	  (locks.c); the key store itself takes only the relation locks that any
 *	  INSERT/UPDATE/DELETE would take (RowExclusiveLock).
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_KEYSTORE_H
#define IDEMPOTENCY_KEYSTORE_H

#include "postgres.h"

#include "access/tableam.h"
#include "catalog/pg_collation.h"
#include "utils/fmgrprotos.h"
#include "storage/itemptr.h"
#include "storage/lockdefs.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

/* Column numbers of idempotency.idempotency_keys (idempotency--1.0.sql, as 1.1 keeps it) */
#define Anum_keys_owner				1
#define Anum_keys_scope				2
#define Anum_keys_key				3
#define Anum_keys_state				4
#define Anum_keys_fingerprint		5
#define Anum_keys_response			6
#define Anum_keys_response_code		7
#define Anum_keys_recovery_point	8
#define Anum_keys_lease_token		9
#define Anum_keys_lease_holder_pid	10
#define Anum_keys_lease_interval	11
#define Anum_keys_lease_expires_at	12
#define Anum_keys_created_at		13
#define Anum_keys_completed_at		14
#define Anum_keys_expires_at		15
#define Natts_keys					15

/* Which rows a fetch sees */
typedef enum KsSnapshot
{
	KS_LATEST,					/* everything committed now, plus our own work */
	KS_ACTIVE,					/* the caller's active (statement) snapshot */
	KS_DIRTY					/* also rows of transactions still in progress */
} KsSnapshot;

/*
 * A key's identity, with the hash of its lock tag (locks.c).  Made only by
 * idem_key_id; the hash is computed at its first use (a replay that takes
 * no lock needs none) and then serves every lock and lookup of the call.
 * A key of a routed key table on Citus (ks_citus.c) is another key than
 * the same owner, scope and key in the plain table: table tells them apart
 * (the lock tag does not, so the two only queue behind each other).
 */
typedef struct KeyId
{
	Oid			table;			/* the routed key table of the call that
								 * made it, or InvalidOid: the plain one */
	Oid			owner;
	text	   *scope;
	text	   *key;
	bool		hashed;			/* hash is set */
	uint64		hash;
} KeyId;

/* One fetched row, copied out of the buffer */
typedef struct KeyRow
{
	bool		found;
	ItemPointerData tid;
	bool		own;			/* last written by the current transaction */
	bool		in_snapshot;	/* visible to the transaction snapshot */
	Datum		values[Natts_keys];
	bool		nulls[Natts_keys];
} KeyRow;

/*
 * An open key store for the length of one call.  The table's indexes are
 * opened, and their IndexInfo built, at its first write, for every write
 * until ks_close (claim_batch writes hundreds of rows through one store).
 */
typedef struct KeyStore
{
	Relation	heap;
	Relation	pkey;
	LOCKMODE	lockmode;
	bool		fingerprint_digest; /* fingerprint column holds digests
									 * (1.1), not the text given (1.0) */
	MemoryContext mcxt;			/* where the open indexes' array lives */
	int			nindexes;		/* indexes open (besides pkey), each from */
	int			maxindexes;		/* its first use on (ks_index_open) */
	Relation   *indexes;
	struct IndexInfo **infos;	/* each open index's IndexInfo */
	struct KsCitus *citus;		/* a routed key table on Citus (ks_citus.c),
								 * or NULL: the plain table, heap and pkey */
	bool		reuse_scan;		/* the store's fetches share one scan (a
								 * batch's hundreds), kept in scan and slot
								 * until ks_close; otherwise each fetch
								 * begins and ends its own */
	struct IndexScanDescData *scan;
	struct TupleTableSlot *slot;
	struct KsPrefetched *next_fetch;	/* what the next KS_LATEST fetch
										 * returns, if known (ks_prefetch) */
} KeyStore;

/*
 * One key's row as ks_prefetch found it: known tells whether it looked the
 * key up at all; then row is what a KS_LATEST fetch with
 * check_xact_snapshot would have returned (row.found false: no row).
 */
typedef struct KsPrefetched
{
	bool		known;
	KeyRow		row;
} KsPrefetched;

/*
 * Characters of the digest a 1.1 key table stores for a fingerprint: 96
 * bits in base64url, as long on disk as the 16 bytes of a bytea (the column
 * stays text, as in 1.0: an update never changes a type a client reads).
 */
#define IDEM_FINGERPRINT_DIGEST_LEN 16

/* The constraint that marks a key table whose fingerprints are digests */
#define IDEM_FINGERPRINT_DIGEST_CHECK "idempotency_keys_fingerprint_check"

#define ks_open(ks) ks_open_mode((ks), RowExclusiveLock)
extern void ks_open_mode(KeyStore *ks, LOCKMODE lockmode);
extern void ks_close(KeyStore *ks);
extern Oid	ks_relid(void);
extern Oid	ks_relid_if_exists(void);

extern bool ks_fetch(KeyStore *ks, const KeyId *id, KsSnapshot which,
					 bool check_xact_snapshot, KeyRow *row);
extern bool ks_fetch_tid(KeyStore *ks, const KeyId *id, ItemPointer tid,
						KeyRow *row);
extern KsPrefetched *ks_prefetch(KeyStore *ks, const KeyId *const *ids, int n);
extern void ks_insert(KeyStore *ks, KeyRow *row);
extern Datum ks_fingerprint_value(const KeyStore *ks, text *fingerprint);
extern bool ks_fingerprint_equal(const KeyRow *row, Datum value);
extern TM_Result ks_update(KeyStore *ks, KeyRow *row);
extern TM_Result ks_delete(KeyStore *ks, KeyRow *row);

/* The order of two texts under COLLATE "C": bytewise, a prefix first */
static inline int
ks_text_cmp(const text *a, const text *b)
{
	int			la = VARSIZE_ANY_EXHDR(a);
	int			lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (c != 0)
		return c;
	return la == lb ? 0 : (la < lb ? -1 : 1);
}

/* Accessors on a row's values */
#define KR_TEXT_EQ(row, anum, s) \
	(!(row)->nulls[(anum) - 1] && \
	 DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, \
										  (row)->values[(anum) - 1], \
										  PointerGetDatum(s))))

#endif							/* IDEMPOTENCY_KEYSTORE_H */
