/*-------------------------------------------------------------------------
 * compat.h
 *	  The one place where PostgreSQL 13 to 18 API differences are bridged.
 *	  Every other file calls the idem_* spellings below and never tests
 *	  PG_VERSION_NUM itself.  Built and tested: 15, 17 and 18; 16 is
 *	  bridged from its headers only.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_COMPAT_H
#define IDEMPOTENCY_COMPAT_H

#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "miscadmin.h"
#include "utils/guc.h"
#if PG_VERSION_NUM < 150000
#include "postmaster/autovacuum.h"
#include "postmaster/bgworker_internals.h"
#include "replication/walsender.h"
#endif

#if PG_VERSION_NUM < 130000
#error "idempotency requires PostgreSQL 13 or later"
#endif

/* GUC prefix reservation (PostgreSQL 15 renamed and strengthened it) */
#if PG_VERSION_NUM >= 150000
#define idem_reserve_guc_prefix(p) MarkGUCPrefixReserved(p)
#else
#define idem_reserve_guc_prefix(p) EmitWarningsOnPlaceholders(p)
#endif

/* shmem_request_hook (15+); earlier, shared memory is requested in _PG_init */
#if PG_VERSION_NUM >= 150000
#define IDEM_HAVE_SHMEM_REQUEST_HOOK 1
#endif

/* MERGE exists from 15 on */
#if PG_VERSION_NUM >= 150000
#define IDEM_HAVE_MERGE 1
#endif

/* numeric gained infinities in 14 */
#if PG_VERSION_NUM >= 140000
#define IDEM_NUMERIC_IS_INF(num) numeric_is_inf(num)
#else
#define IDEM_NUMERIC_IS_INF(num) false
#endif

/* index_insert gained "indexUnchanged" in 14 */
#if PG_VERSION_NUM >= 140000
#define idem_index_insert(idx, v, n, tid, heap, uniq, info) \
	index_insert((idx), (v), (n), (tid), (heap), (uniq), false, (info))
#else
#define idem_index_insert(idx, v, n, tid, heap, uniq, info) \
	index_insert((idx), (v), (n), (tid), (heap), (uniq), (info))
#endif

/*
 * heap_update reports which index entries the new version needs: through
 * HeapTupleIsHeapOnly before 16 (none, or all), through TU_UpdateIndexes
 * from 16 on (none, all, or only summarizing indexes such as BRIN).
 */
typedef enum IdemIndexUpdate
{
	IDEM_INDEX_NONE,
	IDEM_INDEX_ALL,
	IDEM_INDEX_SUMMARIZING
} IdemIndexUpdate;

static inline TM_Result
idem_heap_update(Relation rel, ItemPointer otid, HeapTuple newtup,
				 CommandId cid, TM_FailureData *tmfd, IdemIndexUpdate *indexes)
{
	LockTupleMode lockmode;
	TM_Result	res;
#if PG_VERSION_NUM >= 160000
	TU_UpdateIndexes upd;

	res = heap_update(rel, otid, newtup, cid, InvalidSnapshot, true,
					  tmfd, &lockmode, &upd);
	*indexes = (res != TM_Ok || upd == TU_None) ? IDEM_INDEX_NONE :
		(upd == TU_Summarizing) ? IDEM_INDEX_SUMMARIZING : IDEM_INDEX_ALL;
#else
	res = heap_update(rel, otid, newtup, cid, InvalidSnapshot, true,
					  tmfd, &lockmode);
	*indexes = (res == TM_Ok && !HeapTupleIsHeapOnly(newtup)) ?
		IDEM_INDEX_ALL : IDEM_INDEX_NONE;
#endif
	return res;
}

/* Whether an index access method only summarizes (BRIN): 16 and later */
#if PG_VERSION_NUM >= 160000
#define idem_index_is_summarizing(idx) ((idx)->rd_indam->amsummarizing)
#else
#define idem_index_is_summarizing(idx) false
#endif

/*
 * How many backends (regular, autovacuum, background workers, WAL senders)
 * may exist: MaxBackends is set before shmem_request_hook from 15 on; in
 * _PG_init of earlier versions it is not computed yet.
 */
#if PG_VERSION_NUM >= 150000
#define idem_max_backends() (MaxBackends)
#else
#define idem_max_backends() \
	(MaxConnections + autovacuum_max_workers + 1 + max_worker_processes + max_wal_senders)
#endif

/* This backend's number, 1 .. idem_max_backends(), or less than 1 if none */
#if PG_VERSION_NUM >= 170000
#define idem_my_backend_number() (MyProcNumber + 1)
#else
#define idem_my_backend_number() (MyBackendId)
#endif

/*
 * A function that never returns: declared "idem_noreturn extern void f(...)".
 * PostgreSQL 18 removed the suffix pg_attribute_noreturn() in favour of the
 * C11 specifier pg_noreturn, written before the declaration; before 18 the
 * attribute (GCC's __attribute__((noreturn)), or nothing) fits there too.
 */
#if PG_VERSION_NUM >= 180000
#define idem_noreturn pg_noreturn
#else
#define idem_noreturn pg_attribute_noreturn()
#endif

/*
 * index_beginscan gained an IndexScanInstrumentation argument (for EXPLAIN's
 * index search counts) in PostgreSQL 18; the extension passes none.
 */
#if PG_VERSION_NUM >= 180000
#define idem_index_beginscan(heap, idx, snap, nkeys, norderbys) \
	index_beginscan((heap), (idx), (snap), NULL, (nkeys), (norderbys))
#else
#define idem_index_beginscan(heap, idx, snap, nkeys, norderbys) \
	index_beginscan((heap), (idx), (snap), (nkeys), (norderbys))
#endif

#endif							/* IDEMPOTENCY_COMPAT_H */
