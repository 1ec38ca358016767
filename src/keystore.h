/*-------------------------------------------------------------------------
 * keystore.h
 *	  The key store interface: a key's row, read and written by its
 *	  identity, through one struct of callbacks (KeyStoreRoutine) that each
 *	  store fills.  Two stores implement it: the plain key table through
 *	  the heap and its indexes (ks_heap.c), and the routed key table of a
 *	  Citus entry point through SPI (ks_citus.c).  ks_choose.c chooses one
 *	  per ks_open; callers hold only the interface.  This header has no
 *	  file of its own: it is what the stores and their callers share.
 *
 *	  Callers serialise writers of one key with the key's advisory lock
 *	  (locks.c); a store itself takes only the relation locks that any
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
 * A key's identity, with the hash of its lock tag (locks.c).  Made by
 * idem_key_id (ks_choose.c), or by a store for its own keys; the hash is computed at its first use (a replay that takes
 * no lock needs none) and then serves every lock and lookup of the call.
 * A key of a routed key table (ks_target) is another key than the same
 * owner, scope and key in the plain table: table tells them apart
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
 * One key's row as a prefetch found it: known tells whether it looked the
 * key up at all; then row is what a KS_LATEST fetch with
 * check_xact_snapshot would have returned (row.found false: no row).
 */
typedef struct KsPrefetched
{
	bool		known;
	KeyRow		row;
} KsPrefetched;

struct KeyStoreRoutine;

/*
 * A key store other than the plain key table, chosen for the length of a
 * call (ks_enter): the routed key table of a Citus entry point (citus.c).
 * A store's own description of it embeds this as its first member.
 */
typedef struct KsTarget
{
	const struct KeyStoreRoutine *routine;
	Oid			table;			/* its key table: KeyId.table of its keys */
} KsTarget;

/*
 * An open key store for the length of one call: which store (routine), and
 * that store's own state.  Callers set reuse_scan and next_fetch; the rest
 * belongs to the store.
 */
typedef struct KeyStore
{
	const struct KeyStoreRoutine *routine;
	LOCKMODE	lockmode;
	bool		reuse_scan;		/* a hint: the store serves many fetches
								 * (a batch's hundreds), so it may keep what
								 * one fetch sets up until ks_close */
	KsPrefetched *next_fetch;	/* what the next KS_LATEST fetch returns,
								 * if known (ks_prefetch) */
	void	   *state;			/* the store's own, from open to close */
} KeyStore;

/*
 * The key store interface.  A store fills one KeyStoreRoutine; api.c,
 * batch.c, once.c and xact.c call through it (the ks_* functions below)
 * and never ask which store they hold.  ks_open chooses the store
 * (ks_choose.c).  The contract every store keeps:
 *
 * What the caller holds: the advisory lock of each key it writes
 * (locks.c), from before its first fetch of the key to the end of the
 * transaction; writers of one key are serialised by it, and the only other
 * writer the API admits is expiry, which deletes expired rows only.  A
 * store takes no lock of a key; it takes the relation locks any statement
 * on its table would (lockmode: RowExclusiveLock to write, AccessShareLock
 * to read only), until the end of the transaction.
 *
 * open (ks, target, lockmode): fills ks->state for the chosen target (NULL
 *	 for the plain table); any check that refuses the store is made here,
 *	 before a key is read.  ks->lockmode, reuse_scan and next_fetch are set.
 * close (ks): releases what open and the calls since took, but the locks.
 * fetch (ks, id, which, check_xact_snapshot, row): copies id's row as the
 *	 snapshot which sees it into *row; returns row->found.  KS_LATEST sees
 *	 everything committed now and this transaction's own writes; KS_ACTIVE
 *	 the statement's snapshot; KS_DIRTY also rows of transactions in
 *	 progress (a store that cannot read them reads KS_LATEST).  With
 *	 check_xact_snapshot, under REPEATABLE READ or SERIALIZABLE,
 *	 row->in_snapshot tells whether the transaction's snapshot sees that
 *	 version; otherwise it is true.  row->own: this transaction wrote it.
 *	 A KS_LATEST fetch first takes ks->next_fetch, if set, and clears it.
 * fetch_tid (ks, id, tid, row): as a KS_LATEST fetch of id without
 *	 check_xact_snapshot, for a row this transaction wrote at tid (a store
 *	 without positions reads by identity).
 * prefetch (ks, ids, n): looks up ids[0..n-1] (in the primary key's
 *	 order, each locked by the caller) at once, with one snapshot taken
 *	 after all their locks; returns one entry per key for next_fetch, or
 *	 NULL where the store cannot do better than one fetch each.
 * insert (ks, row): writes row->values as a new row; sets row->tid,
 *	 found, own and in_snapshot.
 * update (ks, row): replaces id's row (at row->tid) with row->values;
 *	 TM_Ok, or TM_Deleted when the row went away (expiry).  Any other
 *	 outcome raises an error.
 * delete (ks, row): deletes the row; TM_Deleted when it was gone already.
 * fingerprint_value (ks, fingerprint): what the store's fingerprint
 *	 column holds for a fingerprint given as text (fingerprint.c), or
 *	 (Datum) 0 for none (NULL).
 * Every write is visible to the next fetch of the same transaction.
 *
 * holder_pids_local: a row's lease_holder_pid names a backend of this
 * server (whose exit ends the lease).  lock_before_read: a read costs far
 * more than an uncontended key lock, so a claim tries the lock first.
 */
typedef struct KeyStoreRoutine
{
	const char *name;
	bool		holder_pids_local;
	bool		lock_before_read;
	void		(*open) (KeyStore *ks, KsTarget *target);
	void		(*close) (KeyStore *ks);
	bool		(*fetch) (KeyStore *ks, const KeyId *id, KsSnapshot which,
						  bool check_xact_snapshot, KeyRow *row);
	bool		(*fetch_tid) (KeyStore *ks, const KeyId *id, ItemPointer tid,
							  KeyRow *row);
	KsPrefetched *(*prefetch) (KeyStore *ks, const KeyId *const *ids, int n);
	void		(*insert) (KeyStore *ks, KeyRow *row);
	TM_Result	(*update) (KeyStore *ks, KeyRow *row);
	TM_Result	(*delete) (KeyStore *ks, KeyRow *row);
	Datum		(*fingerprint_value) (const KeyStore *ks, text *fingerprint);
} KeyStoreRoutine;

/*
 * ks_init readies ks for routine's open: the fields every store shares.
 * Only a store's own opening function calls it (ks_choose.c, ks_heap.c).
 */
static inline void
ks_init(KeyStore *ks, const KeyStoreRoutine *routine, LOCKMODE lockmode)
{
	ks->routine = routine;
	ks->lockmode = lockmode;
	ks->reuse_scan = false;
	ks->next_fetch = NULL;
	ks->state = NULL;
}

/* ks_key_id_init makes the identity of key in scope for owner in table */
static inline void
ks_key_id_init(KeyId *id, Oid table, Oid owner, text *scope, text *key)
{
	id->table = table;
	id->owner = owner;
	id->scope = scope;
	id->key = key;
	id->hashed = false;
	id->hash = 0;
}

/* The operations, through the open store's routine */
static inline void
ks_close(KeyStore *ks)
{
	ks->routine->close(ks);
}

static inline bool
ks_fetch(KeyStore *ks, const KeyId *id, KsSnapshot which,
		 bool check_xact_snapshot, KeyRow *row)
{
	return ks->routine->fetch(ks, id, which, check_xact_snapshot, row);
}

static inline bool
ks_fetch_tid(KeyStore *ks, const KeyId *id, ItemPointer tid, KeyRow *row)
{
	return ks->routine->fetch_tid(ks, id, tid, row);
}

static inline KsPrefetched *
ks_prefetch(KeyStore *ks, const KeyId *const *ids, int n)
{
	return ks->routine->prefetch(ks, ids, n);
}

static inline void
ks_insert(KeyStore *ks, KeyRow *row)
{
	ks->routine->insert(ks, row);
}

static inline TM_Result
ks_update(KeyStore *ks, KeyRow *row)
{
	return ks->routine->update(ks, row);
}

static inline TM_Result
ks_delete(KeyStore *ks, KeyRow *row)
{
	return ks->routine->delete(ks, row);
}

static inline Datum
ks_fingerprint_value(const KeyStore *ks, text *fingerprint)
{
	return ks->routine->fingerprint_value(ks, fingerprint);
}

/* ks_fingerprint_equal: row's fingerprint is not NULL and equals value. */
static inline bool
ks_fingerprint_equal(const KeyRow *row, Datum value)
{
	struct varlena *stored;
	struct varlena *given = (struct varlena *) DatumGetPointer(value);

	if (row->nulls[Anum_keys_fingerprint - 1])
		return false;
	stored = (struct varlena *) DatumGetPointer(row->values[Anum_keys_fingerprint - 1]);
	return VARSIZE_ANY_EXHDR(stored) == VARSIZE_ANY_EXHDR(given) &&
		memcmp(VARDATA_ANY(stored), VARDATA_ANY(given), VARSIZE_ANY_EXHDR(given)) == 0;
}

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
