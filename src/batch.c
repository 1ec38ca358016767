/*-------------------------------------------------------------------------
 * batch.c
 *	  Batch calls of the key API for message consumers: claim_batch,
 *	  complete_batch and release_batch (docs/consumers.md).
 *
 *	  Each key of a batch goes through the same internals as claim(),
 *	  complete() and release() (api.c), with one key store opened for the
 *	  whole call and a memory context reset between keys.  Every element is
 *	  checked before the first key is locked, so a refused batch writes
 *	  nothing and takes no key lock.
 *
 *	  Locking: the keys are locked in one canonical order, bytewise (as
 *	  COLLATE "C" sorts them), whatever the order given, so two consumers
 *	  with overlapping batches never wait for each other in a cycle.
 *	  complete_batch and release_batch need no such order: the keys they
 *	  finish are the transaction's own claims, whose locks it holds (any
 *	  other key ends the call with an error), so they sort by lock tag,
 *	  which is cheaper, only to find a key given twice.  A key
 *	  claimed holds its lock until the end of the transaction; a key that
 *	  replays or is reported in_progress gives it back at once (api.c).
 *	  Since every claimed key takes an entry of the shared lock table, a
 *	  batch that could need more of them than max_locks_per_transaction
 *	  grants one transaction is refused before any lock is taken.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "api.h"
#include "batch.h"
#include "common.h"
#include "keystore.h"
#include "ks_choose.h"
#include "locks.h"
#include "srf.h"
#include "stats.h"
#include "xact.h"

PG_FUNCTION_INFO_V1(idempotency_claim_batch);
PG_FUNCTION_INFO_V1(idempotency_complete_batch);
PG_FUNCTION_INFO_V1(idempotency_complete_batch_object);
PG_FUNCTION_INFO_V1(idempotency_release_batch);

int			idem_max_batch_size = 1000;

/* Columns of claim_batch's result */
#define BATCH_NCOLS 5

/* idem_batch_define_gucs defines idempotency.max_batch_size; from _PG_init. */
void
idem_batch_define_gucs(void)
{
	DefineCustomIntVariable("idempotency.max_batch_size",
							"Most keys that one call of claim_batch(), complete_batch() or release_batch() accepts.",
							"Every key claimed holds a lock until the transaction ends; see also max_locks_per_transaction.",
							&idem_max_batch_size,
							1000, 1, 100000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* ---------- arguments ---------- */

/*
 * The elements of a one-dimensional text array argument, NULL for a NULL
 * element; *n is their number.  A NULL array is an error.
 */
static text **
batch_text_array(FunctionCallInfo fcinfo, int argno, const char *argname, int *n)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	text	  **result;
	int			i;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname),
				 errhint("Pass an empty array for no keys.")));
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	result = palloc(sizeof(text *) * Max(*n, 1));
	for (i = 0; i < *n; i++)
		result[i] = nulls[i] ? NULL : DatumGetTextPP(elems[i]);
	return result;
}

/* The keys argument: every element a valid key, at most max_batch_size. */
static text **
batch_keys_arg(FunctionCallInfo fcinfo, int argno, int *n)
{
	text	  **keys = batch_text_array(fcinfo, argno, "keys", n);
	int			i;

	if (*n > idem_max_batch_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch of %d keys is larger than idempotency.max_batch_size (%d)",
						*n, idem_max_batch_size),
				 errhint("Split the batch, or raise idempotency.max_batch_size.")));
	for (i = 0; i < *n; i++)
		idem_check_key(keys[i], i + 1);
	return keys;
}

/*
 * The values of an array argument that runs alongside keys (n elements):
 * NULL stands for n NULLs.  *values and *nulls are set.
 */
static void
batch_parallel_array(FunctionCallInfo fcinfo, int argno, const char *argname,
					 Oid elemtype, int n, Datum **values, bool **nulls)
{
	ArrayType  *arr;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			count;

	if (PG_ARGISNULL(argno))
	{
		*values = palloc0(sizeof(Datum) * Max(n, 1));
		*nulls = palloc(sizeof(bool) * Max(n, 1));
		memset(*nulls, true, sizeof(bool) * Max(n, 1));
		return;
	}
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, values, nulls, &count);
	if (count != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have as many elements as keys", argname),
				 errdetail("keys has %d elements, %s has %d.", n, argname, count)));
}

/* ---------- canonical order ---------- */

/* Bytewise order of keys (COLLATE "C"), then position: a stable sort. */
static int
batch_cmp(const void *a, const void *b, void *arg)
{
	const KeyId *ids = (const KeyId *) arg;
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;
	int			c = ks_text_cmp(ids[ia].key, ids[ib].key);

	if (c != 0)
		return c;
	return ia < ib ? -1 : (ia > ib ? 1 : 0);
}

/* The order of lock tags, then bytewise: equal keys are neighbours. */
static int
batch_cmp_hash(const void *a, const void *b, void *arg)
{
	const KeyId *ids = (const KeyId *) arg;
	uint64		ha = ids[*(const int *) a].hash;
	uint64		hb = ids[*(const int *) b].hash;

	if (ha != hb)
		return ha < hb ? -1 : 1;
	return batch_cmp(a, b, arg);
}

static bool
batch_same_text(const text *a, const text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/*
 * batch_order returns the identities of keys in scope (*ids), the positions
 * 0..n-1 in canonical order (*order; with by_hash, in the order of their
 * lock tags instead), and in first[i] the position of the first occurrence
 * of keys[i].  Returns the number of distinct keys.
 */
static int
batch_order(text **keys, int n, text *scope, bool by_hash,
			KeyId **ids, int **order, int **first)
{
	int			i;
	int			ndistinct = 0;
	Oid			owner = GetUserId();

	*ids = palloc(sizeof(KeyId) * Max(n, 1));
	*order = palloc(sizeof(int) * Max(n, 1));
	*first = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		idem_key_id(&(*ids)[i], owner, scope, keys[i]);
		if (by_hash)
			(void) idem_key_hash(&(*ids)[i]);	/* what batch_cmp_hash reads */
		(*order)[i] = i;
	}
	qsort_arg(*order, n, sizeof(int), by_hash ? batch_cmp_hash : batch_cmp, *ids);
	for (i = 0; i < n; i++)
	{
		int			pos = (*order)[i];

		if (i > 0 && batch_same_text(keys[pos], keys[(*order)[i - 1]]))
			(*first)[pos] = (*first)[(*order)[i - 1]];
		else
		{
			(*first)[pos] = pos;
			ndistinct++;
		}
	}
	return ndistinct;
}

/* 22023 for a key given twice, where each key must be given once. */
static void
batch_refuse_duplicates(text **keys, int n, const int *first)
{
	int			i;

	for (i = 0; i < n; i++)
		if (first[i] != i)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("idempotency key \"%s\" is given more than once",
							text_to_cstring(keys[i])),
					 errdetail("Elements %d and %d of keys are the same key.",
							   first[i] + 1, i + 1)));
}

/*
 * 54000 when the batch could need more key locks than the shared lock table
 * grants one transaction: each of ndistinct keys may be claimed, and each
 * claim holds its lock until the transaction ends, beside the keys this
 * transaction has claimed already.
 */
static void
batch_check_lock_budget(int ndistinct)
{
	int			held = idem_xact_claim_count();

	if ((int64) held + ndistinct > max_locks_per_xact)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch of %d keys could need more locks than max_locks_per_transaction (%d) allows",
						ndistinct, max_locks_per_xact),
				 errdetail("Each key claimed holds a lock until the transaction ends; this transaction holds %d key locks already.",
						   held),
				 errhint("Split the batch, or raise max_locks_per_transaction (a server restart) to the largest batch a transaction claims plus the transaction's other locks.")));
}

/* ---------- the loop over a batch's keys ---------- */

/*
 * One key store for the whole batch, and a memory context that is reset
 * for each key (batch_key_begin / batch_key_end around each key's work).
 */
typedef struct BatchLoop
{
	KeyStore	ks;
	MemoryContext callcxt;
	MemoryContext keycxt;
} BatchLoop;

static void
batch_loop_begin(BatchLoop *bl)
{
	bl->callcxt = CurrentMemoryContext;
	bl->keycxt = AllocSetContextCreate(bl->callcxt, "idempotency batch key",
									   ALLOCSET_DEFAULT_SIZES);
	ks_open(&bl->ks);
	bl->ks.reuse_scan = true;	/* one primary-key scan for all its keys */
}

static void
batch_key_begin(BatchLoop *bl)
{
	MemoryContextReset(bl->keycxt);
	MemoryContextSwitchTo(bl->keycxt);
}

static void
batch_key_end(BatchLoop *bl)
{
	MemoryContextSwitchTo(bl->callcxt);
}

static void
batch_loop_end(BatchLoop *bl)
{
	ks_close(&bl->ks);
	MemoryContextDelete(bl->keycxt);
}

/* ---------- claim_batch ---------- */

/*
 * claim_batch(keys text[], scope, fingerprints text[], wait, ttl)
 * -> SETOF (ordinality, key, outcome, response, response_code)
 *
 * One row per element of keys, in their order.  A key given more than once
 * is claimed once: its first occurrence reports the outcome, the later
 * ones report 'duplicate'.  wait bounds the whole call, not each key.
 */
Datum
idempotency_claim_batch(PG_FUNCTION_ARGS)
{
	text	  **keys;
	Datum	   *fps;
	bool	   *fp_nulls;
	text	   *scope;
	int			n;
	int			ndistinct;
	KeyId	   *ids;
	int		   *order;
	int		   *first;
	int64		wait_us;
	int64		ttl_us;
	TimestampTz deadline = 0;
	ClaimOutcome *outcomes;
	Datum	   *responses;
	bool	   *resp_nulls;
	Datum	   *codes;
	bool	   *code_nulls;
	BatchLoop	bl;
	const KeyId **locked;
	int		   *locked_at;
	int			nlocked = 0;
	KsPrefetched *prefetched;
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	int			i;

	keys = batch_keys_arg(fcinfo, 0, &n);
	scope = idem_scope_from_arg(fcinfo, 1);
	batch_parallel_array(fcinfo, 2, "fingerprints", TEXTOID, n, &fps, &fp_nulls);
	for (i = 0; i < n; i++)
		if (!fp_nulls[i])
			idem_check_text_length(DatumGetTextPP(fps[i]), "fingerprint",
								   IDEM_MAX_FINGERPRINT_LEN, i + 1);
	wait_us = PG_ARGISNULL(3) ? -1 :
		idem_interval_arg_usecs(fcinfo, 3, "wait", true, IDEM_MAX_WAIT_SECS);
	ttl_us = PG_ARGISNULL(4) ? (int64) idem_default_ttl * USECS_PER_SEC :
		idem_interval_arg_usecs(fcinfo, 4, "ttl", false, IDEM_MAX_TTL_SECS);

	ndistinct = batch_order(keys, n, scope, false, &ids, &order, &first);

	/*
	 * A key given twice is one claim with one fingerprint: the first given,
	 * and a second one that differs is a mismatch as it would be for two
	 * claims of the key in one transaction.
	 */
	for (i = 0; i < n; i++)
	{
		int			f = first[i];

		if (f == i || fp_nulls[i])
			continue;
		if (fp_nulls[f])
		{
			fps[f] = fps[i];
			fp_nulls[f] = false;
		}
		else if (!batch_same_text(DatumGetTextPP(fps[f]), DatumGetTextPP(fps[i])))
		{
			idem_stats_count(IDEM_STAT_MISMATCHES, &ids[i]);
			ereport(ERROR,
					(errcode(ERRCODE_IDEM_FINGERPRINT_MISMATCH),
					 errmsg("idempotency key \"%s\" is given twice with different fingerprints",
							text_to_cstring(keys[i])),
					 errdetail("Elements %d and %d of keys are the same key; their fingerprints differ.",
							   f + 1, i + 1),
					 errhint("Use a new key for a new message.")));
		}
	}

	idem_check_writable("claim_batch()");
	batch_check_lock_budget(ndistinct);
	tupstore = idem_srf_begin(fcinfo, BATCH_NCOLS, &tupdesc);

	outcomes = palloc(sizeof(ClaimOutcome) * Max(n, 1));
	responses = palloc0(sizeof(Datum) * Max(n, 1));
	resp_nulls = palloc(sizeof(bool) * Max(n, 1));
	codes = palloc0(sizeof(Datum) * Max(n, 1));
	code_nulls = palloc(sizeof(bool) * Max(n, 1));
	if (wait_us >= 0)
		deadline = GetCurrentTimestamp() + wait_us;

	batch_loop_begin(&bl);

	/*
	 * Lock the keys that nobody holds, in canonical order up to the first
	 * that somebody does, and look them all up in one pass; the others are
	 * locked (and waited for, holding only keys before them in the order)
	 * and looked up one by one.
	 */
	locked = palloc(sizeof(const KeyId *) * Max(ndistinct, 1));
	locked_at = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
		locked_at[i] = -1;
	for (i = 0; i < n; i++)
	{
		int			pos = order[i];

		if (first[pos] != pos)
			continue;
		if (!idem_lock_key(&ids[pos], IDEM_WAIT_NEVER))
			break;
		locked_at[pos] = nlocked;
		locked[nlocked++] = &ids[pos];
	}
	prefetched = ks_prefetch(&bl.ks, locked, nlocked);

	for (i = 0; i < n; i++)
	{
		int			pos = order[i];
		ClaimRequest req;
		KeyRow		row;

		if (first[pos] != pos)
			continue;
		req.id = ids[pos];
		req.fingerprint = fp_nulls[pos] ? NULL : DatumGetTextPP(fps[pos]);
		req.lease_us = -1;
		req.ttl_us = ttl_us;
		req.defer_insert = false;
		req.defer_row = true;
		req.try_lock_first = true;
		req.locked = locked_at[pos] >= 0;
		req.ks = &bl.ks;
		if (wait_us < 0)
			req.wait_ms = IDEM_WAIT_LOCK_TIMEOUT;
		else
		{
			int64		left = deadline - GetCurrentTimestamp();

			req.wait_ms = left > 0 ? left / 1000 : IDEM_WAIT_NEVER;
		}

		bl.ks.next_fetch = (prefetched != NULL && req.locked) ?
			&prefetched[locked_at[pos]] : NULL;
		batch_key_begin(&bl);
		outcomes[pos] = idem_claim_internal(&req, &row);
		batch_key_end(&bl);
		bl.ks.next_fetch = NULL;

		resp_nulls[pos] = true;
		code_nulls[pos] = true;
		if (outcomes[pos] == CLAIM_COMPLETED)
		{
			resp_nulls[pos] = row.nulls[Anum_keys_response - 1];
			if (!resp_nulls[pos])
				responses[pos] = PointerGetDatum(PG_DETOAST_DATUM_COPY(row.values[Anum_keys_response - 1]));
			code_nulls[pos] = row.nulls[Anum_keys_response_code - 1];
			codes[pos] = row.values[Anum_keys_response_code - 1];
		}
	}
	batch_loop_end(&bl);

	for (i = 0; i < n; i++)
	{
		Datum		values[BATCH_NCOLS];
		bool		nulls[BATCH_NCOLS] = {false};
		bool		dup = first[i] != i;

		values[0] = Int32GetDatum(i + 1);
		values[1] = PointerGetDatum(keys[i]);
		values[2] = CStringGetTextDatum(dup ? "duplicate" :
										idem_claim_outcome_name(outcomes[i]));
		values[3] = dup ? (Datum) 0 : responses[i];
		nulls[3] = dup || resp_nulls[i];
		values[4] = dup ? (Datum) 0 : codes[i];
		nulls[4] = dup || code_nulls[i];
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- complete_batch and release_batch ---------- */

/*
 * Completes (or, with release, releases) keys[0..n-1], each with its
 * response and code, in canonical order; returns n.  Every key must be
 * held by the caller as for complete() and given once.
 */
static int32
batch_finish(text **keys, int n, text *scope, bool release,
			 Datum *responses, bool *resp_nulls, Datum *codes, bool *code_nulls)
{
	KeyId	   *ids;
	int		   *order;
	int		   *first;
	BatchLoop	bl;
	int			i;

	(void) batch_order(keys, n, scope, true, &ids, &order, &first);
	batch_refuse_duplicates(keys, n, first);
	idem_check_writable(release ? "release_batch()" : "complete_batch()");

	batch_loop_begin(&bl);
	for (i = 0; i < n; i++)
	{
		int			pos = order[i];
		const KeyId *id = &ids[pos];

		batch_key_begin(&bl);
		if (release)
		{
			idem_release_internal(&bl.ks, id, NULL);
			idem_stats_count(IDEM_STAT_RELEASES, id);
		}
		else
		{
			KeyRow		row;

			idem_complete_internal(&bl.ks, id, responses[pos], resp_nulls[pos],
								   codes[pos], code_nulls[pos], NULL, &row);
			idem_stats_count(IDEM_STAT_COMPLETES, id);
		}
		batch_key_end(&bl);
	}
	batch_loop_end(&bl);
	return n;
}

/*
 * complete_batch(keys text[], responses jsonb[], response_codes int4[],
 * scope) -> int4: the number of keys completed.  NULL responses or
 * response_codes store NULL for every key.
 */
Datum
idempotency_complete_batch(PG_FUNCTION_ARGS)
{
	text	  **keys;
	int			n;
	Datum	   *responses;
	bool	   *resp_nulls;
	Datum	   *codes;
	bool	   *code_nulls;
	text	   *scope;

	keys = batch_keys_arg(fcinfo, 0, &n);
	batch_parallel_array(fcinfo, 1, "responses", JSONBOID, n, &responses, &resp_nulls);
	batch_parallel_array(fcinfo, 2, "response_codes", INT4OID, n, &codes, &code_nulls);
	scope = idem_scope_from_arg(fcinfo, 3);
	PG_RETURN_INT32(batch_finish(keys, n, scope, false, responses, resp_nulls,
								 codes, code_nulls));
}

/*
 * complete_batch(responses jsonb, response_code int4, scope) -> int4: each
 * key of the object completed with its value as the response, all with
 * the one response_code.
 */
Datum
idempotency_complete_batch_object(PG_FUNCTION_ARGS)
{
	Jsonb	   *obj;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	text	  **keys;
	Datum	   *responses;
	bool	   *resp_nulls;
	Datum	   *codes;
	bool	   *code_nulls;
	text	   *scope;
	int			n;
	int			i = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("responses must not be null"),
				 errhint("Pass an empty object for no keys.")));
	obj = PG_GETARG_JSONB_P(0);
	if (!JB_ROOT_IS_OBJECT(obj))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("responses must be a jsonb object keyed by idempotency key")));
	scope = idem_scope_from_arg(fcinfo, 2);
	n = JB_ROOT_COUNT(obj);
	if (n > idem_max_batch_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch of %d keys is larger than idempotency.max_batch_size (%d)",
						n, idem_max_batch_size),
				 errhint("Split the batch, or raise idempotency.max_batch_size.")));

	keys = palloc(sizeof(text *) * Max(n, 1));
	responses = palloc(sizeof(Datum) * Max(n, 1));
	resp_nulls = palloc0(sizeof(bool) * Max(n, 1));
	codes = palloc(sizeof(Datum) * Max(n, 1));
	code_nulls = palloc(sizeof(bool) * Max(n, 1));

	it = JsonbIteratorInit(&obj->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			Assert(i < n);
			keys[i] = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
			idem_check_key(keys[i], 0);
		}
		else if (tok == WJB_VALUE)
		{
			responses[i] = JsonbPGetDatum(JsonbValueToJsonb(&v));
			codes[i] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
			code_nulls[i] = PG_ARGISNULL(1);
			i++;
		}
	}
	Assert(i == n);
	PG_RETURN_INT32(batch_finish(keys, n, scope, false, responses, resp_nulls,
								 codes, code_nulls));
}

/*
 * release_batch(keys text[], scope) -> int4: gives up the caller's claims
 * on keys, as release() does for one; returns how many.
 */
Datum
idempotency_release_batch(PG_FUNCTION_ARGS)
{
	text	  **keys;
	int			n;

	keys = batch_keys_arg(fcinfo, 0, &n);
	PG_RETURN_INT32(batch_finish(keys, n, idem_scope_from_arg(fcinfo, 1), true,
								 NULL, NULL, NULL, NULL));
}
