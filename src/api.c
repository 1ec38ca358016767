/*-------------------------------------------------------------------------
 * api.c
 *	  The SQL-callable key API: claim, complete, release, checkpoint, lookup.
 *
 *	  Every call acts for the calling role (GetUserId()) as the key's owner,
 *	  so one role can never see or touch another's keys.  Writers of a key
 *	  first take its advisory lock (locks.c), which serialises them until the
 *	  end of the transaction; then they read the key's latest committed row
 *	  (or their own uncommitted one) and decide.  A claim without a lease
 *	  writes an in_progress row in the caller's transaction; complete()
 *	  turns it into a completed row in the same transaction, and xact.c
 *	  refuses a commit that leaves it in between (once() skips the
 *	  in_progress row and writes the completed one directly, under the same
 *	  lock).  A lease claim commits its in_progress row, identified by a
 *	  token, for later transactions.  claim_batch's claims of new keys write
 *	  no in_progress row either: they are pending claims, which xact.c
 *	  remembers with the row-to-be, and complete() writes their completed
 *	  row at once (one write per key instead of an insert and an update).
 *
 *	  Times (leases, expiry) are wall-clock (GetCurrentTimestamp), not the
 *	  transaction's start, so a long transaction does not stretch a lease.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/procarray.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "api.h"
#include "common.h"
#include "keystore.h"
#include "ks_choose.h"
#include "locks.h"
#include "stats.h"
#include "xact.h"

PG_FUNCTION_INFO_V1(idempotency_claim);
PG_FUNCTION_INFO_V1(idempotency_claim_uuid);
PG_FUNCTION_INFO_V1(idempotency_complete);
PG_FUNCTION_INFO_V1(idempotency_complete_uuid);
PG_FUNCTION_INFO_V1(idempotency_release);
PG_FUNCTION_INFO_V1(idempotency_release_uuid);
PG_FUNCTION_INFO_V1(idempotency_checkpoint);
PG_FUNCTION_INFO_V1(idempotency_checkpoint_uuid);
PG_FUNCTION_INFO_V1(idempotency_lookup);
PG_FUNCTION_INFO_V1(idempotency_lookup_uuid);

static const char *const outcome_names[] = {
	[CLAIM_CLAIMED] = "claimed",
	[CLAIM_COMPLETED] = "completed",
	[CLAIM_IN_PROGRESS] = "in_progress",
	[CLAIM_RECOVERED] = "recovered",
};

/* GUCs (idem_api_define_gucs); batch.c and once.c read the ttl too */
int			idem_default_ttl = 24 * 60 * 60;	/* seconds */
int			idem_max_response_size = 1024 * 1024;	/* bytes */

/*
 * idem_api_define_gucs defines the GUCs of the key API (from _PG_init):
 * the default time to live of a key and the largest response stored.
 */
void
idem_api_define_gucs(void)
{
	DefineCustomIntVariable("idempotency.default_ttl",
							"Time to live of a key when claim() is given no ttl.",
							"A key past its expiry counts as absent and is deleted by the expiry worker or purge().",
							&idem_default_ttl,
							24 * 60 * 60, 1, IDEM_MAX_TTL_SECS,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.max_response_size",
							"Largest response complete() or once() may store.",
							"Measured on the uncompressed jsonb value.",
							&idem_max_response_size,
							1024 * 1024, 1024, 256 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
}

/* ---------- arguments ---------- */

/*
 * idem_check_key raises the errors of a key that is not one: 22004 for NULL
 * (key == NULL), 22023 for a length outside 1..255 bytes.  elemno > 0 names
 * the key's position in an array of keys, for the error's detail.
 */
void
idem_check_key(const text *key, int elemno)
{
	int			len;

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("idempotency key must not be null"),
				 elemno > 0 ? errdetail("Element %d of keys is null.", elemno) : 0));
	len = VARSIZE_ANY_EXHDR(key);
	if (len < 1 || len > IDEM_MAX_KEY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("idempotency key must be 1 to %d bytes long", IDEM_MAX_KEY_LEN),
				 elemno > 0 ?
				 errdetail("Element %d of keys is %d bytes long.", elemno, len) :
				 errdetail("The key given is %d bytes long.", len)));
}

/*
 * idem_key_from_arg returns argument argno as a key: text, or a uuid in its
 * canonical text form.  NULL and lengths outside 1..255 bytes are errors.
 */
text *
idem_key_from_arg(FunctionCallInfo fcinfo, int argno, bool is_uuid)
{
	text	   *key;

	if (PG_ARGISNULL(argno))
		idem_check_key(NULL, 0);
	if (is_uuid)
		key = cstring_to_text(DatumGetCString(DirectFunctionCall1(uuid_out,
																  PG_GETARG_DATUM(argno))));
	else
		key = PG_GETARG_TEXT_PP(argno);
	idem_check_key(key, 0);
	return key;
}

/* idem_scope_from_arg returns argument argno as a scope (0..255 bytes, not NULL). */
text *
idem_scope_from_arg(FunctionCallInfo fcinfo, int argno)
{
	text	   *scope;
	int			len;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("idempotency scope must not be null"),
				 errhint("The default scope is the empty string.")));
	scope = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(scope);
	if (len > IDEM_MAX_SCOPE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("idempotency scope must be at most %d bytes long", IDEM_MAX_SCOPE_LEN),
				 errdetail("The scope given is %d bytes long.", len)));
	return scope;
}

/*
 * api_key_id_from_args makes *id of the caller's key: argument 0 (checked
 * first), in the scope of argument scope_argno.
 */
static void
api_key_id_from_args(FunctionCallInfo fcinfo, bool is_uuid, int scope_argno, KeyId *id)
{
	text	   *key = idem_key_from_arg(fcinfo, 0, is_uuid);

	idem_key_id(id, GetUserId(), idem_scope_from_arg(fcinfo, scope_argno), key);
}

/*
 * idem_check_text_length raises 22023 when t is longer than max_len bytes;
 * elemno > 0 names its position in an array, for the error's detail.
 */
void
idem_check_text_length(const text *t, const char *argname, int max_len, int elemno)
{
	int			len = VARSIZE_ANY_EXHDR(t);

	if (len > max_len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at most %d bytes long", argname, max_len),
				 elemno > 0 ?
				 errdetail("Element %d is %d bytes long.", elemno, len) :
				 errdetail("The value given is %d bytes long.", len)));
}

/* Returns the text argument argno, or NULL; longer than max_len is an error. */
static text *
api_optional_text_arg(FunctionCallInfo fcinfo, int argno, const char *argname,
					  int max_len)
{
	text	   *t;

	if (PG_ARGISNULL(argno))
		return NULL;
	t = PG_GETARG_TEXT_PP(argno);
	idem_check_text_length(t, argname, max_len, 0);
	return t;
}

/*
 * idem_interval_arg_usecs returns interval argument argno in microseconds
 * (a month counts 30 days).  It must be positive (or zero, if allow_zero)
 * and at most max_secs; anything else, infinite values included, is an
 * error.  The caller handles NULL.
 */
int64
idem_interval_arg_usecs(FunctionCallInfo fcinfo, int argno, const char *argname,
						bool allow_zero, int64 max_secs)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(argno);
	int64		result = 0;
	bool		bad;

	/*
	 * Exact arithmetic: within these bounds the months and days cannot
	 * overflow, and the sum with the time part is checked.
	 */
	bad = iv->month < -1000000 || iv->month > 1000000 ||
		iv->day < -10000000 || iv->day > 10000000 ||
		pg_add_s64_overflow((int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY,
							(int64) iv->day * USECS_PER_DAY, &result) ||
		pg_add_s64_overflow(result, iv->time, &result);
	if (bad || result < 0 || (!allow_zero && result == 0) ||
		result > max_secs * USECS_PER_SEC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s interval", argname),
				 errdetail("%s must be %s and at most %lld seconds.", argname,
						   allow_zero ? "zero or more" : "greater than zero",
						   (long long) max_secs)));
	return result;
}

/* Returns the uuid argument argno, or NULL. */
static pg_uuid_t *
api_token_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : PG_GETARG_UUID_P(argno);
}

/*
 * idem_check_writable raises 25006 on a hot standby, in a read-only
 * transaction, or in parallel mode: funcname writes the key table.
 */
void
idem_check_writable(const char *funcname)
{
	PreventCommandDuringRecovery(funcname);
	PreventCommandIfReadOnly(funcname);
	PreventCommandIfParallelMode(funcname);
}

/*
 * idem_check_response_size raises 54000 for a response over the limit, and
 * returns its size otherwise.
 */
Size
idem_check_response_size(Datum response)
{
	Size		size = toast_raw_datum_size(response) - VARHDRSZ;

	if (size > (Size) idem_max_response_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("response is too large to store"),
				 errdetail("The response is %zu bytes; idempotency.max_response_size is %d bytes.",
						   size, idem_max_response_size),
				 errhint("Store a smaller response, or raise idempotency.max_response_size.")));
	return size;
}

/* ---------- rows ---------- */

static bool
row_state_is(const KeyRow *row, const char *state)
{
	text	   *t = DatumGetTextPP(row->values[Anum_keys_state - 1]);
	size_t		len = strlen(state);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), state, len) == 0;
}

static TimestampTz
row_ts(const KeyRow *row, int anum)
{
	return DatumGetTimestampTz(row->values[anum - 1]);
}

/* A lease claim's in_progress row: its lease end is set. */
static bool
row_has_lease(const KeyRow *row)
{
	return !row->nulls[Anum_keys_lease_expires_at - 1];
}

static bool
row_lease_live(const KeyRow *row, TimestampTz now)
{
	return row_has_lease(row) && row_ts(row, Anum_keys_lease_expires_at) > now;
}

/*
 * The session that holds the lease still exists.  On a routed key table
 * (Citus) the holder is the worker backend of a coordinator connection,
 * which Citus closes or keeps on its own schedule (one older than
 * citus.max_cached_connection_lifetime is closed after each transaction)
 * whatever the client does: its exit says nothing, so there a live lease
 * always counts as held, and a lease ends by time only (docs/citus.md).
 */
static bool
row_holder_alive(const KeyRow *row)
{
	if (!ks_chosen()->holder_pids_local)
		return true;
	if (row->nulls[Anum_keys_lease_holder_pid - 1])
		return false;
	return BackendPidGetProc(DatumGetInt32(row->values[Anum_keys_lease_holder_pid - 1])) != NULL;
}

/*
 * A key past expires_at counts as absent, unless it is held under a live
 * lease: expiry never takes a key from a holder.
 */
static bool
row_absent(const KeyRow *row, TimestampTz now)
{
	if (!row->found)
		return true;
	if (row_ts(row, Anum_keys_expires_at) > now)
		return false;
	return !(row_state_is(row, "in_progress") && row_lease_live(row, now));
}

static char *
key_cstring(const KeyId *id)
{
	return text_to_cstring(id->key);
}

static Datum
api_new_token(void)
{
	pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

	if (!pg_strong_random(u->data, UUID_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random lease token")));
	u->data[6] = (u->data[6] & 0x0f) | 0x40;	/* version 4 */
	u->data[8] = (u->data[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	return UUIDPGetDatum(u);
}

static Datum
ts_plus_usecs(TimestampTz ts, int64 usecs)
{
	return TimestampTzGetDatum(ts + usecs);
}

/*
 * Sets the lease columns of row for a lease of lease_us held by this
 * session.  A lease row expires ttl_us after its lease ends, so that its
 * recovery point outlives the holder by a whole time to live.
 */
static void
row_set_lease(KeyRow *row, int64 lease_us, int64 ttl_us, TimestampTz now)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = lease_us;
	row->values[Anum_keys_lease_token - 1] = api_new_token();
	row->nulls[Anum_keys_lease_token - 1] = false;
	row->values[Anum_keys_lease_holder_pid - 1] = Int32GetDatum(MyProcPid);
	row->nulls[Anum_keys_lease_holder_pid - 1] = false;
	row->values[Anum_keys_lease_interval - 1] = IntervalPGetDatum(iv);
	row->nulls[Anum_keys_lease_interval - 1] = false;
	row->values[Anum_keys_lease_expires_at - 1] = ts_plus_usecs(now, lease_us);
	row->nulls[Anum_keys_lease_expires_at - 1] = false;
	row->values[Anum_keys_expires_at - 1] = ts_plus_usecs(now, lease_us + ttl_us);
}

/* The time to live a lease row keeps after its lease ends. */
static int64
row_ttl_after_lease(const KeyRow *row)
{
	return row_ts(row, Anum_keys_expires_at) - row_ts(row, Anum_keys_lease_expires_at);
}

static void
row_clear_lease(KeyRow *row)
{
	row->nulls[Anum_keys_lease_token - 1] = true;
	row->nulls[Anum_keys_lease_holder_pid - 1] = true;
	row->nulls[Anum_keys_lease_interval - 1] = true;
	row->nulls[Anum_keys_lease_expires_at - 1] = true;
}

/* Fills row with the identity of id and the state in_progress, the rest NULL. */
static void
row_init_identity(KeyRow *row, const KeyId *id)
{
	memset(row->nulls, true, sizeof(row->nulls));
	row->values[Anum_keys_owner - 1] = ObjectIdGetDatum(id->owner);
	row->values[Anum_keys_scope - 1] = PointerGetDatum(id->scope);
	row->values[Anum_keys_key - 1] = PointerGetDatum(id->key);
	row->values[Anum_keys_state - 1] = CStringGetTextDatum("in_progress");
	row->nulls[Anum_keys_owner - 1] = false;
	row->nulls[Anum_keys_scope - 1] = false;
	row->nulls[Anum_keys_key - 1] = false;
	row->nulls[Anum_keys_state - 1] = false;
}

/*
 * Fills row with an in_progress row of id without a lease; fingerprint is
 * the column's value (ks_fingerprint_value), or NULL.
 */
static void
row_init_in_progress(KeyRow *row, const KeyId *id, TimestampTz created_at,
					 TimestampTz expires_at, struct varlena *fingerprint)
{
	row_init_identity(row, id);
	row->values[Anum_keys_created_at - 1] = TimestampTzGetDatum(created_at);
	row->values[Anum_keys_expires_at - 1] = TimestampTzGetDatum(expires_at);
	row->nulls[Anum_keys_created_at - 1] = false;
	row->nulls[Anum_keys_expires_at - 1] = false;
	if (fingerprint)
	{
		row->values[Anum_keys_fingerprint - 1] = PointerGetDatum(fingerprint);
		row->nulls[Anum_keys_fingerprint - 1] = false;
	}
}

/*
 * Fills row with a fresh in_progress row for req; fingerprint is the
 * column's value for req's fingerprint (ks_fingerprint_value), 0 if none.
 */
static void
row_init_claim(KeyRow *row, const ClaimRequest *req, Datum fingerprint, TimestampTz now)
{
	row_init_in_progress(row, &req->id, now, now + req->ttl_us,
						 (struct varlena *) DatumGetPointer(fingerprint));
	if (req->lease_us > 0)
		row_set_lease(row, req->lease_us, req->ttl_us, now);
}

/* A row that says only "someone else holds this key". */
static void
row_init_busy(KeyRow *row, const KeyId *id)
{
	row_init_identity(row, id);
	row->found = false;
}

/*
 * Fills row with the in_progress row that a pending claim of this
 * transaction stands for: own, and with no position (no row is written).
 */
static void
row_init_pending(KeyRow *row, const KeyId *id, const IdemPending *pend)
{
	row_init_in_progress(row, id, pend->created_at, pend->expires_at, pend->fingerprint);
	row->found = true;
	row->own = true;
	row->in_snapshot = true;
	ItemPointerSetInvalid(&row->tid);
}

/* ---------- checks shared by the paths ---------- */

/*
 * IK001 when both fingerprints are known and differ; fingerprint is the
 * column's value for the one given (ks_fingerprint_value), 0 if none.
 */
static void
api_check_fingerprint(const KeyId *id, const KeyRow *row, Datum fingerprint)
{
	if (fingerprint == (Datum) 0 || row->nulls[Anum_keys_fingerprint - 1])
		return;
	if (!ks_fingerprint_equal(row, fingerprint))
	{
		idem_stats_count(IDEM_STAT_MISMATCHES, id);
		if (idem_log_mismatches)
			idem_log_event(id, "fingerprint mismatch", "the key was already used for a different request");
		ereport(ERROR,
				(errcode(ERRCODE_IDEM_FINGERPRINT_MISMATCH),
				 errmsg("idempotency key \"%s\" was already used for a different request",
						key_cstring(id)),
				 errdetail("The key's stored fingerprint differs from the fingerprint given."),
				 errhint("Use a new key for a new request.")));
	}
}

/*
 * 40001 when, under REPEATABLE READ or SERIALIZABLE, the key's current row
 * is one that the transaction's snapshot cannot see: replaying or taking it
 * over would act on a state the transaction has not seen.  A retry of the
 * transaction replays.
 */
static void
api_check_snapshot(const KeyId *id, const KeyRow *row)
{
	if (!row->in_snapshot)
	{
		idem_stats_count(IDEM_STAT_SERIALIZATION_FAILURES, id);
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent use of idempotency key \"%s\"",
						key_cstring(id)),
				 errdetail("Another transaction completed or changed the key after this transaction's snapshot was taken."),
				 errhint("Retry the transaction: the retry replays the stored result.")));
	}
}

/*
 * api_check_holder makes sure the caller holds the in_progress row: it was
 * written by this transaction, or the caller gives the lease's token.
 */
static void
api_check_holder(const KeyId *id, const KeyRow *row, pg_uuid_t *token,
				 const char *funcname)
{
	bool		has_token = !row->nulls[Anum_keys_lease_token - 1];

	if (token != NULL)
	{
		if (!has_token ||
			memcmp(token->data,
				   DatumGetUUIDP(row->values[Anum_keys_lease_token - 1])->data,
				   UUID_LEN) != 0)
		{
			idem_stats_count(IDEM_STAT_LEASES_LOST, id);
			ereport(ERROR,
					(errcode(ERRCODE_IDEM_LEASE_LOST),
					 errmsg("lease token does not hold idempotency key \"%s\"",
							key_cstring(id)),
					 has_token ?
					 errdetail("The lease was taken over by another claimer, or the token is not this key's.") :
					 errdetail("The key is not held under a lease."),
					 errhint("Claim the key again; a recovered claim returns a new token.")));
		}
		return;
	}
	if (row->own)
		return;
	if (row_has_lease(row))
	{
		idem_stats_count(IDEM_STAT_LEASES_LOST, id);
		ereport(ERROR,
				(errcode(ERRCODE_IDEM_LEASE_LOST),
				 errmsg("idempotency key \"%s\" is held under a lease", key_cstring(id)),
				 errdetail("%s from a later transaction than the claim must pass the lease token that claim() returned.",
						   funcname)));
	}
	ereport(ERROR,
			(errcode(ERRCODE_IDEM_NOT_CLAIMED),
			 errmsg("idempotency key \"%s\" is not claimed by this transaction",
					key_cstring(id)),
			 errhint("Call idempotency.claim() first.")));
}

/* ---------- keys whose once() statement is running ---------- */

/*
 * once() claims a new key without writing its row, runs its statement, and
 * only then writes the row; the key is its own until the statement
 * returns.  A claim(), once(), complete(), checkpoint() or release() of the
 * same key from inside that statement (nested, or from a trigger it fires)
 * would take the key over under it, so it is refused.  The stack's entries
 * live in once()'s frames, innermost first; once() takes its own off on
 * every exit, errors included.
 */
static IdemRunningOnce *running_once = NULL;

void
idem_running_once_push(IdemRunningOnce *entry, const KeyId *id)
{
	entry->id = id;
	entry->next = running_once;
	running_once = entry;
}

void
idem_running_once_pop(IdemRunningOnce *entry)
{
	Assert(running_once == entry);
	running_once = entry->next;
}

static void
api_check_not_running_once(const KeyId *id, const char *funcname)
{
	IdemRunningOnce *e;

	for (e = running_once; e != NULL; e = e->next)
		if (idem_same_key(e->id, id))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("idempotency key \"%s\" is in use by a once() call running in this transaction",
							text_to_cstring(id->key)),
					 errdetail("%s was called from the statement that once() runs for the same key.",
							   funcname),
					 errhint("Give the inner call a key of its own.")));
}

/*
 * api_fetch_held locks the key and reads its in_progress row for complete,
 * release or checkpoint; an absent or completed key is an error.
 */
static TimestampTz
api_fetch_held(KeyStore *ks, const KeyId *id, KeyRow *row, const char *funcname)
{
	ItemPointerData tid;
	TimestampTz now;
	bool		found;
	bool		own;
	IdemPending *pend;

	api_check_not_running_once(id, funcname);

	/*
	 * The lock is taken again even for this transaction's own claim, whose
	 * lock it normally holds already (then this costs a lookup): a claim
	 * made by a cursor's FETCH holds its lock in the cursor's resource
	 * owner, which a failed FETCH in a later savepoint releases at ROLLBACK
	 * TO while the claim stands (test/specs/cursor_claim_rollback.spec).
	 */
	(void) idem_lock_key(id, IDEM_WAIT_LOCK_TIMEOUT);
	now = GetCurrentTimestamp();
	/* This transaction's own claim: read its row where the claim wrote it. */
	own = idem_xact_own_claim(id, &tid, &pend);
	if (pend != NULL)
	{
		row_init_pending(row, id, pend);
		found = true;
	}
	else if (own)
		found = ks_fetch_tid(ks, id, &tid, row);
	else
		found = ks_fetch(ks, id, KS_LATEST, false, row);
	if (!found || row_absent(row, now))
		ereport(ERROR,
				(errcode(ERRCODE_IDEM_NOT_CLAIMED),
				 errmsg("idempotency key \"%s\" is not claimed", key_cstring(id)),
				 errdetail("There is no claim on the key, or it expired."),
				 errhint("Call idempotency.claim() before %s.", funcname)));
	if (row_state_is(row, "completed"))
		ereport(ERROR,
				(errcode(ERRCODE_IDEM_ALREADY_COMPLETED),
				 errmsg("idempotency key \"%s\" is already completed", key_cstring(id)),
				 errhint("A completed key's result is final; claim() replays it.")));
	return now;
}

static void
api_raise_vanished(const KeyId *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_IDEM_NOT_CLAIMED),
			 errmsg("idempotency key \"%s\" expired and was deleted meanwhile",
					key_cstring(id))));
}

/* ---------- claim ---------- */

/*
 * 55000 for a lease claim of a key this transaction claimed without one: it
 * must finish in this transaction, which the caller asking for a lease does
 * not expect.
 */
static void
api_refuse_lease_on_own_claim(const KeyId *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("idempotency key \"%s\" is already claimed without a lease by this transaction",
					key_cstring(id)),
			 errdetail("A claim without a lease must be completed or released in the transaction that made it."),
			 errhint("Pass lease => to the first claim, or complete() or release() the key first.")));
}

/*
 * api_claim_decide claims req->id as described in docs/reference.md and
 * returns the outcome; *row is the key's row (for in_progress held by an
 * uncommitted transaction, only its identity).
 */
static ClaimOutcome
api_claim_decide(const ClaimRequest *req, KeyRow *row)
{
	const KeyId *id = &req->id;
	KeyStore	own_ks;
	KeyStore   *ks = req->ks ? req->ks : &own_ks;
	TimestampTz now = GetCurrentTimestamp();
	ClaimOutcome outcome;
	Datum		fpv;
	bool		locked = false;
	const char *why;

	idem_check_writable("claim()");
	api_check_not_running_once(id, req->defer_insert ? "once()" : "claim()");
	if (req->ks == NULL)
		ks_open(ks);
	fpv = ks_fingerprint_value(ks, req->fingerprint);

	/*
	 * A completed row never changes: replay it without taking the lock.
	 * One visible to the statement's snapshot is committed (or ours), and
	 * under REPEATABLE READ that snapshot is the transaction's, so no newer
	 * snapshot is needed; a row committed since is found after the lock.
	 * once() skips this probe and locks first, since it mostly writes new
	 * keys (its replays then cost a lock and its release instead).
	 * try_lock_first (claim_batch, a routed claim) tries an uncontended
	 * lock first and probes only when the lock is not free, so that a
	 * completed key is still replayed at once, never waited for.  With
	 * locked, the caller has taken that lock already (claim_batch, which
	 * then looks its locked keys up in one pass: ks_prefetch).
	 */
	row->found = false;
	if (req->locked || (req->try_lock_first && idem_lock_key(id, IDEM_WAIT_NEVER)))
		locked = true;
	else if (!req->defer_insert &&
			 ks_fetch(ks, id, KS_ACTIVE, false, row) && !row_absent(row, now) &&
			 row_state_is(row, "completed"))
	{
		api_check_fingerprint(id, row, fpv);
		if (req->ks == NULL)
			ks_close(ks);
		return CLAIM_COMPLETED;
	}

	if (!locked && !idem_lock_key(id, req->wait_ms))
	{
		/*
		 * Another transaction holds the key.  The fingerprint is checked
		 * against the row that transaction is writing (the dirty read), or
		 * else the committed one.  A committed row under a live lease is
		 * reported as it is; otherwise the holder's row is not committed
		 * (a new claim, or a takeover of an ended lease), and the key is
		 * reported only by identity.
		 */
		KeyRow		dirty;
		bool		committed = !row_absent(row, now);

		if (ks_fetch(ks, id, KS_DIRTY, false, &dirty) && !row_absent(&dirty, now))
			api_check_fingerprint(id, &dirty, fpv);
		else if (committed)
			api_check_fingerprint(id, row, fpv);
		if (!(committed && row_state_is(row, "in_progress") &&
			  row_lease_live(row, now) && row_holder_alive(row)))
			row_init_busy(row, id);
		row->nulls[Anum_keys_lease_token - 1] = true;
		if (req->ks == NULL)
			ks_close(ks);
		return CLAIM_IN_PROGRESS;
	}

	/* Read the clock after any wait, so a lease is not granted already spent. */
	now = GetCurrentTimestamp();
	for (;;)
	{
		bool		found = ks_fetch(ks, id, KS_LATEST, true, row);

		if (!found || row_absent(row, now))
		{
			IdemPending *pend = idem_xact_pending(id);

			if (pend != NULL)
			{
				/* claimed earlier in this transaction, pending: as above */
				row_init_pending(row, id, pend);
				api_check_fingerprint(id, row, fpv);
				if (req->lease_us > 0)
					api_refuse_lease_on_own_claim(id);
				if (pend->fingerprint == NULL && fpv != (Datum) 0)
				{
					idem_xact_set_pending_fingerprint(id, fpv);
					row->values[Anum_keys_fingerprint - 1] = fpv;
					row->nulls[Anum_keys_fingerprint - 1] = false;
				}
				outcome = CLAIM_CLAIMED;
				break;
			}

			/* an expired row makes way for the new one (purge may beat us) */
			if (found)
			{
				idem_stats_count(IDEM_STAT_EXPIRED_REPLACED, id);
				(void) ks_delete(ks, row);
			}
			row_init_claim(row, req, fpv, now);
			if (req->defer_insert)
				row->found = false; /* the caller writes the completed row */
			else if (req->defer_row && req->lease_us <= 0)
			{
				IdemPending p;

				p.fingerprint = (text *) DatumGetPointer(fpv);
				p.created_at = now;
				p.expires_at = now + req->ttl_us;
				idem_xact_remember_pending(id, &p);
				row->found = false; /* complete() writes the row */
			}
			else
				ks_insert(ks, row);
			outcome = CLAIM_CLAIMED;
			break;
		}

		if (row_state_is(row, "completed"))
		{
			api_check_snapshot(id, row);
			api_check_fingerprint(id, row, fpv);
			outcome = CLAIM_COMPLETED;
			break;
		}

		/* in_progress */
		api_check_fingerprint(id, row, fpv);
		if (row->own)
		{
			/*
			 * Claimed earlier in this transaction.  A claim without a lease
			 * cannot become a lease claim: it must finish in this
			 * transaction, which the caller asking for a lease does not
			 * expect.
			 */
			if (req->lease_us > 0 && !row_has_lease(row))
				api_refuse_lease_on_own_claim(id);
			/* keep the first fingerprint given */
			if (row->nulls[Anum_keys_fingerprint - 1] && fpv != (Datum) 0)
			{
				row->values[Anum_keys_fingerprint - 1] = fpv;
				row->nulls[Anum_keys_fingerprint - 1] = false;
				(void) ks_update(ks, row);	/* our own row: nobody else deletes it */
			}
			outcome = CLAIM_CLAIMED;
			break;
		}
		if (row_lease_live(row, now) && row_holder_alive(row))
		{
			outcome = CLAIM_IN_PROGRESS;
			break;
		}

		/* The holder's lease ran out or its session is gone: take over. */
		api_check_snapshot(id, row);
		why = !row_has_lease(row) ? "the claim was never finished" :
			row_lease_live(row, now) ? "its holder's session ended" :
			"its lease ran out";
		if (row->nulls[Anum_keys_fingerprint - 1] && fpv != (Datum) 0)
		{
			row->values[Anum_keys_fingerprint - 1] = fpv;
			row->nulls[Anum_keys_fingerprint - 1] = false;
		}
		if (req->lease_us > 0)
			row_set_lease(row, req->lease_us, req->ttl_us, now);
		else
		{
			row_clear_lease(row);
			row->values[Anum_keys_expires_at - 1] = ts_plus_usecs(now, req->ttl_us);
		}
		if (ks_update(ks, row) == TM_Deleted)
			continue;			/* expired and purged meanwhile: look again */
		if (idem_log_recoveries)
			idem_log_event(id, "recovered lease", why);
		outcome = CLAIM_RECOVERED;
		break;
	}

	if (outcome == CLAIM_IN_PROGRESS || outcome == CLAIM_COMPLETED)
	{
		/* owning nothing, keep nobody waiting */
		idem_unlock_key(id);
		if (outcome == CLAIM_IN_PROGRESS)
			row->nulls[Anum_keys_lease_token - 1] = true;	/* the holder's alone */
	}
	else if (req->lease_us <= 0 && row->found && ItemPointerIsValid(&row->tid))
		idem_xact_remember_claim(id, &row->tid);
	if (req->ks == NULL)
		ks_close(ks);
	return outcome;
}

/*
 * idem_claim_internal claims req->id (api_claim_decide) and counts the
 * outcome: as a claim, or as a run or replay of once() (defer_insert).
 */
ClaimOutcome
idem_claim_internal(const ClaimRequest *req, KeyRow *row)
{
	ClaimOutcome outcome = api_claim_decide(req, row);
	const KeyId *id = &req->id;

	switch (outcome)
	{
		case CLAIM_CLAIMED:
			idem_stats_count(req->defer_insert ? IDEM_STAT_ONCE_RUNS : IDEM_STAT_CLAIMED, id);
			break;
		case CLAIM_RECOVERED:
			if (req->defer_insert)
				idem_stats_count(IDEM_STAT_ONCE_RUNS, id);
			idem_stats_count(IDEM_STAT_RECOVERED, id);
			break;
		case CLAIM_COMPLETED:
			idem_stats_count(req->defer_insert ? IDEM_STAT_ONCE_REPLAYS : IDEM_STAT_REPLAYED, id);
			if (idem_log_replays)
			{
				char		detail[64];

				if (row->nulls[Anum_keys_response_code - 1])
					snprintf(detail, sizeof(detail), "%s replayed the stored result",
							 req->defer_insert ? "once()" : "claim()");
				else
					snprintf(detail, sizeof(detail), "%s replayed the stored result, code %d",
							 req->defer_insert ? "once()" : "claim()",
							 DatumGetInt32(row->values[Anum_keys_response_code - 1]));
				idem_log_event(id, "replayed duplicate", detail);
			}
			break;
		case CLAIM_IN_PROGRESS:
			idem_stats_count(IDEM_STAT_IN_PROGRESS, id);
			break;
	}
	return outcome;
}

/* ---------- complete ---------- */

/*
 * idem_complete_internal stores the result of the caller's claim on id and
 * leaves the completed row in *row.
 */
void
idem_complete_internal(KeyStore *shared_ks, const KeyId *id, Datum response,
					   bool response_null, Datum code, bool code_null,
					   pg_uuid_t *token, KeyRow *row)
{
	KeyStore	own_ks;
	KeyStore   *ks = shared_ks ? shared_ks : &own_ks;
	TimestampTz now;
	Size		size = 0;

	idem_check_writable("complete()");
	if (!response_null)
		size = idem_check_response_size(response);

	if (shared_ks == NULL)
		ks_open(ks);
	now = api_fetch_held(ks, id, row, "complete()");
	api_check_holder(id, row, token, "complete()");

	/* A lease claim's result lives its time to live from now on. */
	if (row_has_lease(row))
		row->values[Anum_keys_expires_at - 1] = ts_plus_usecs(now, row_ttl_after_lease(row));
	row->values[Anum_keys_state - 1] = CStringGetTextDatum("completed");
	row->values[Anum_keys_response - 1] = response;
	row->nulls[Anum_keys_response - 1] = response_null;
	row->values[Anum_keys_response_code - 1] = code;
	row->nulls[Anum_keys_response_code - 1] = code_null;
	row->values[Anum_keys_completed_at - 1] = TimestampTzGetDatum(now);
	row->nulls[Anum_keys_completed_at - 1] = false;
	row->nulls[Anum_keys_lease_holder_pid - 1] = true;
	row->nulls[Anum_keys_lease_expires_at - 1] = true;
	if (!ItemPointerIsValid(&row->tid))
		ks_insert(ks, row);		/* a pending claim: its first row */
	else if (ks_update(ks, row) == TM_Deleted)
		api_raise_vanished(id);
	idem_xact_finish_claim(id);
	if (shared_ks == NULL)
		ks_close(ks);
	idem_stats_add(IDEM_STAT_RESPONSE_BYTES, id, size);
}

/*
 * idem_release_internal gives up the caller's claim on id: its row is
 * deleted, and the next claim starts afresh.  ks is the caller's open key
 * store.
 */
void
idem_release_internal(KeyStore *ks, const KeyId *id, pg_uuid_t *token)
{
	KeyRow		row;

	idem_check_writable("release()");
	(void) api_fetch_held(ks, id, &row, "release()");
	api_check_holder(id, &row, token, "release()");
	/* a pending claim has no row to delete */
	if (ItemPointerIsValid(&row.tid) && ks_delete(ks, &row) != TM_Ok)
		api_raise_vanished(id);
	idem_xact_finish_claim(id);
}

/* idem_claim_outcome_name names an outcome as the SQL API reports it. */
const char *
idem_claim_outcome_name(ClaimOutcome outcome)
{
	return outcome_names[outcome];
}

/*
 * idem_insert_completed writes the completed row of a new key that
 * idem_claim_internal claimed with defer_insert, whose lock this
 * transaction holds: one write instead of an in_progress row and its update.
 */
void
idem_insert_completed(const ClaimRequest *req, Datum response, KeyRow *row)
{
	KeyStore	own_ks;
	KeyStore   *ks = req->ks ? req->ks : &own_ks;
	TimestampTz now = GetCurrentTimestamp();
	Size		size = idem_check_response_size(response);

	if (req->ks == NULL)
		ks_open(ks);
	row_init_claim(row, req,
				   ks_fingerprint_value(ks, req->fingerprint),
				   now);
	row->values[Anum_keys_state - 1] = CStringGetTextDatum("completed");
	row->values[Anum_keys_response - 1] = response;
	row->nulls[Anum_keys_response - 1] = false;
	row->values[Anum_keys_completed_at - 1] = TimestampTzGetDatum(now);
	row->nulls[Anum_keys_completed_at - 1] = false;
	ks_insert(ks, row);
	if (req->ks == NULL)
		ks_close(ks);
	idem_stats_add(IDEM_STAT_RESPONSE_BYTES, &req->id, size);
}

/* ---------- results ---------- */

/*
 * The function's result row made of values/nulls.  The row type is named
 * by the call site (idempotency_keys or claim_result), so its descriptor
 * comes from the type cache: a lookup, where building and blessing one
 * would cost more than the rest of a replay, on every execution of a
 * prepared statement.  Without a call site to read the type from, the
 * descriptor is built and kept for the call site.
 */
static Datum
api_result_datum(FunctionCallInfo fcinfo, int expected_natts, Datum *values, bool *nulls)
{
	Oid			rettype = get_fn_expr_rettype(fcinfo->flinfo);
	TupleDesc	td;
	HeapTuple	tuple;

	if (OidIsValid(rettype) && rettype != RECORDOID)
	{
		td = lookup_rowtype_tupdesc(rettype, -1);
		if (td->natts != expected_natts)
		{
			int			natts = td->natts;

			ReleaseTupleDesc(td);
			elog(ERROR, "result row type has %d columns, expected %d",
				 natts, expected_natts);
		}
		tuple = heap_form_tuple(td, values, nulls);
		ReleaseTupleDesc(td);
		return HeapTupleGetDatum(tuple);
	}

	if (fcinfo->flinfo->fn_extra == NULL)
	{
		MemoryContext old;

		if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		if (td->natts != expected_natts)
			elog(ERROR, "result row type has %d columns, expected %d",
				 td->natts, expected_natts);
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		td = CreateTupleDescCopy(td);
		fcinfo->flinfo->fn_extra = BlessTupleDesc(td);
		MemoryContextSwitchTo(old);
	}
	td = (TupleDesc) fcinfo->flinfo->fn_extra;
	return HeapTupleGetDatum(heap_form_tuple(td, values, nulls));
}

/* A row of idempotency.idempotency_keys as a composite Datum. */
static Datum
api_row_datum(FunctionCallInfo fcinfo, const KeyRow *row)
{
	return api_result_datum(fcinfo, Natts_keys, (Datum *) row->values,
							(bool *) row->nulls);
}

/* An idempotency.claim_result: the outcome, then the key's row. */
static Datum
api_claim_datum(FunctionCallInfo fcinfo, ClaimOutcome outcome, const KeyRow *row)
{
	Datum		values[Natts_keys + 1];
	bool		nulls[Natts_keys + 1];

	values[0] = CStringGetTextDatum(outcome_names[outcome]);
	nulls[0] = false;
	memcpy(values + 1, row->values, sizeof(row->values));
	memcpy(nulls + 1, row->nulls, sizeof(row->nulls));
	return api_result_datum(fcinfo, Natts_keys + 1, values, nulls);
}

/* ---------- SQL-callable functions ---------- */

/*
 * claim(key, scope, fingerprint, wait, lease, ttl) -> claim_result
 */
static Datum
api_claim(FunctionCallInfo fcinfo, bool is_uuid)
{
	ClaimRequest req;
	KeyRow		row;
	ClaimOutcome outcome;

	api_key_id_from_args(fcinfo, is_uuid, 1, &req.id);
	req.defer_insert = false;
	req.defer_row = false;

	/*
	 * Where a read costs far more than the lock (a routed claim reads
	 * through SPI), an uncontended lock first saves a new key the read
	 * before it, and costs a replay only the lock.
	 */
	req.try_lock_first = ks_chosen()->lock_before_read;
	req.locked = false;
	req.ks = NULL;
	req.fingerprint = api_optional_text_arg(fcinfo, 2, "fingerprint",
											IDEM_MAX_FINGERPRINT_LEN);
	req.wait_ms = PG_ARGISNULL(3) ? IDEM_WAIT_LOCK_TIMEOUT :
		idem_interval_arg_usecs(fcinfo, 3, "wait", true, IDEM_MAX_WAIT_SECS) / 1000;
	req.lease_us = PG_ARGISNULL(4) ? -1 :
		idem_interval_arg_usecs(fcinfo, 4, "lease", false, IDEM_MAX_LEASE_SECS);
	req.ttl_us = PG_ARGISNULL(5) ? (int64) idem_default_ttl * USECS_PER_SEC :
		idem_interval_arg_usecs(fcinfo, 5, "ttl", false, IDEM_MAX_TTL_SECS);

	outcome = idem_claim_internal(&req, &row);
	PG_RETURN_DATUM(api_claim_datum(fcinfo, outcome, &row));
}

Datum
idempotency_claim(PG_FUNCTION_ARGS)
{
	return api_claim(fcinfo, false);
}

Datum
idempotency_claim_uuid(PG_FUNCTION_ARGS)
{
	return api_claim(fcinfo, true);
}

/*
 * complete(key, response, response_code, scope, token) -> idempotency_keys
 */
static Datum
api_complete(FunctionCallInfo fcinfo, bool is_uuid)
{
	KeyId		id;
	KeyRow		row;

	api_key_id_from_args(fcinfo, is_uuid, 3, &id);
	idem_complete_internal(NULL, &id,
						   PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1),
						   PG_ARGISNULL(1),
						   PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2),
						   PG_ARGISNULL(2),
						   api_token_arg(fcinfo, 4), &row);
	idem_stats_count(IDEM_STAT_COMPLETES, &id);
	PG_RETURN_DATUM(api_row_datum(fcinfo, &row));
}

Datum
idempotency_complete(PG_FUNCTION_ARGS)
{
	return api_complete(fcinfo, false);
}

Datum
idempotency_complete_uuid(PG_FUNCTION_ARGS)
{
	return api_complete(fcinfo, true);
}

/*
 * release(key, scope, token): gives up the caller's claim; the key's row
 * is deleted and the next claim starts afresh.
 */
static Datum
api_release(FunctionCallInfo fcinfo, bool is_uuid)
{
	KeyId		id;
	KeyStore	ks;

	api_key_id_from_args(fcinfo, is_uuid, 1, &id);
	idem_check_writable("release()");

	ks_open(&ks);
	idem_release_internal(&ks, &id, api_token_arg(fcinfo, 2));
	ks_close(&ks);
	idem_stats_count(IDEM_STAT_RELEASES, &id);
	PG_RETURN_VOID();
}

Datum
idempotency_release(PG_FUNCTION_ARGS)
{
	return api_release(fcinfo, false);
}

Datum
idempotency_release_uuid(PG_FUNCTION_ARGS)
{
	return api_release(fcinfo, true);
}

/*
 * checkpoint(key, recovery_point, scope, token, lease) -> idempotency_keys:
 * records progress of a lease claim and renews its lease (by lease, or by
 * the lease's own length), making this session its holder.
 */
static Datum
api_checkpoint(FunctionCallInfo fcinfo, bool is_uuid)
{
	KeyId		id;
	text	   *key;
	KeyRow		row;
	KeyStore	ks;
	TimestampTz now;
	text	   *point;
	int64		lease_us;

	key = idem_key_from_arg(fcinfo, 0, is_uuid);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("recovery point must not be null")));
	point = api_optional_text_arg(fcinfo, 1, "recovery point",
								  IDEM_MAX_RECOVERY_POINT_LEN);
	idem_key_id(&id, GetUserId(), idem_scope_from_arg(fcinfo, 2), key);
	lease_us = PG_ARGISNULL(4) ? -1 :
		idem_interval_arg_usecs(fcinfo, 4, "lease", false, IDEM_MAX_LEASE_SECS);
	idem_check_writable("checkpoint()");

	ks_open(&ks);
	now = api_fetch_held(&ks, &id, &row, "checkpoint()");

	/*
	 * A key without a lease is this transaction's own claim (no other kind
	 * of in_progress row is visible here): 55000 whatever token is given,
	 * since no token could hold it.
	 */
	if (!row_has_lease(&row))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("idempotency key \"%s\" is not claimed with a lease", key_cstring(&id)),
				 errdetail("Recovery points belong to lease claims, which span transactions."),
				 errhint("Pass lease => to claim().")));
	api_check_holder(&id, &row, api_token_arg(fcinfo, 3), "checkpoint()");

	if (lease_us < 0)
	{
		Interval   *iv = DatumGetIntervalP(row.values[Anum_keys_lease_interval - 1]);

		lease_us = iv->time + (int64) iv->day * USECS_PER_DAY +
			(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
	}
	else
	{
		Interval   *iv = palloc0(sizeof(Interval));

		iv->time = lease_us;
		row.values[Anum_keys_lease_interval - 1] = IntervalPGetDatum(iv);
	}
	row.values[Anum_keys_recovery_point - 1] = PointerGetDatum(point);
	row.nulls[Anum_keys_recovery_point - 1] = false;
	row.values[Anum_keys_expires_at - 1] = ts_plus_usecs(now, lease_us + row_ttl_after_lease(&row));
	row.values[Anum_keys_lease_expires_at - 1] = ts_plus_usecs(now, lease_us);
	row.values[Anum_keys_lease_holder_pid - 1] = Int32GetDatum(MyProcPid);
	row.nulls[Anum_keys_lease_holder_pid - 1] = false;
	if (ks_update(&ks, &row) == TM_Deleted)
		api_raise_vanished(&id);
	ks_close(&ks);
	idem_stats_count(IDEM_STAT_CHECKPOINTS, &id);
	PG_RETURN_DATUM(api_row_datum(fcinfo, &row));
}

Datum
idempotency_checkpoint(PG_FUNCTION_ARGS)
{
	return api_checkpoint(fcinfo, false);
}

Datum
idempotency_checkpoint_uuid(PG_FUNCTION_ARGS)
{
	return api_checkpoint(fcinfo, true);
}

/*
 * lookup(key, scope) -> idempotency_keys, or NULL: the key as the caller's
 * snapshot sees it, without locking or waiting.  Works on a standby.
 */
static Datum
api_lookup(FunctionCallInfo fcinfo, bool is_uuid)
{
	KeyId		id;
	KeyRow		row;
	KeyStore	ks;
	bool		found;

	api_key_id_from_args(fcinfo, is_uuid, 1, &id);

	ks_open_mode(&ks, AccessShareLock);
	found = ks_fetch(&ks, &id, KS_ACTIVE, false, &row) &&
		!row_absent(&row, GetCurrentTimestamp());
	ks_close(&ks);
	if (!found)
	{
		/* this transaction's own pending claim (claim_batch): no row yet */
		IdemPending *pend = idem_xact_pending(&id);

		if (pend == NULL)
			PG_RETURN_NULL();
		row_init_pending(&row, &id, pend);
	}
	PG_RETURN_DATUM(api_row_datum(fcinfo, &row));
}

Datum
idempotency_lookup(PG_FUNCTION_ARGS)
{
	return api_lookup(fcinfo, false);
}

Datum
idempotency_lookup_uuid(PG_FUNCTION_ARGS)
{
	return api_lookup(fcinfo, true);
}
