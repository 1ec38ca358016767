/*-------------------------------------------------------------------------
 * stats.c
 *	  Cumulative counters of the key API, per (database, role, scope), kept
 *	  in shared memory when the library is preloaded; and the log lines of
 *	  the idempotency.log_* settings.
 *
 *	  Two levels, so that counting takes no lock shared by all backends:
 *
 *	  - Each backend owns a slot of STATS_SLOT_ENTRIES entries (indexed by
 *		its BackendId), each an entry key and its counters.  Only the owner
 *		writes its counters, with plain atomic reads and writes: no lock.
 *	  - A shared hash table, at most idempotency.stats_max entries, holds
 *		what backends have handed over: when a slot entry is reused for
 *		another key, and when the backend exits.
 *
 *	  stats_lock (an LWLock) guards the hash table, every slot entry's key
 *	  and "base", and stats_reset.  The owner of a slot takes it exclusively
 *	  only to bind an entry to a new key, which also makes sure the hash
 *	  table has an entry for that key (or folds the key into its role's
 *	  scope-less entry, or the overflow entry, when the table is full).
 *	  Readers take it shared and add each slot's counters less its base to
 *	  the hash table's; a reset takes it exclusively, zeroes the table and
 *	  sets every slot's base to its counters.  Counters therefore only grow,
 *	  and a reader never sees an event twice or loses one.
 *
 *	  The table is written to pg_stat/idempotency.stat at a clean shutdown
 *	  and read back (and the file removed) at start-up, so counters survive a
 *	  clean restart and start from zero after a crash, as PostgreSQL's own
 *	  cumulative statistics do.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "common.h"
#include "compat.h"
#include "srf.h"
#include "stats.h"

PG_FUNCTION_INFO_V1(idempotency_stats_1_1);
PG_FUNCTION_INFO_V1(idempotency_stats_info_1_1);
PG_FUNCTION_INFO_V1(idempotency_stats_reset_1_1);

#define STATS_SHMEM_NAME	"idempotency stats"
#define STATS_TRANCHE		"idempotency stats"
#define STATS_FILE			"pg_stat/idempotency.stat"
#define STATS_FILE_TMP		STATS_FILE ".tmp"
#define STATS_FILE_MAGIC	0x49445331	/* "IDS1" */
#define STATS_SLOT_ENTRIES	8

/* A counted combination; scope_len -1 stands for "every scope" */
typedef struct StatsKey
{
	Oid			dbid;			/* InvalidOid: the overflow entry */
	Oid			userid;
	int32		scope_len;
	char		scope[IDEM_MAX_SCOPE_LEN];
} StatsKey;

typedef struct StatsEntry		/* the shared hash table's */
{
	StatsKey	key;
	uint64		counters[IDEM_NUM_STATS];
} StatsEntry;

typedef struct SlotEntry		/* a backend's own */
{
	bool		used;
	StatsKey	key;
	pg_atomic_uint64 counters[IDEM_NUM_STATS];
	uint64		base[IDEM_NUM_STATS];	/* counters at the last reset */
} SlotEntry;

typedef struct StatsSlot
{
	SlotEntry	entries[STATS_SLOT_ENTRIES];
} StatsSlot;

typedef struct StatsShared
{
	LWLock	   *lock;
	TimestampTz stats_reset;
	int64		folded;			/* keys counted under another entry */
	int			nslots;
	StatsSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} StatsShared;

/* GUCs */
bool		idem_log_replays = false;
bool		idem_log_mismatches = false;
bool		idem_log_refused_commits = false;
bool		idem_log_recoveries = false;
int			idem_log_min_wait = -1;
static int	st_max_entries = 5000;
static bool st_track_scopes = false;

static StatsShared *st_shared = NULL;
static HTAB *st_hash = NULL;

static shmem_startup_hook_type st_prev_shmem_startup = NULL;
#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type st_prev_shmem_request = NULL;
#endif

/* This backend's slot: NULL until first use, and where nothing is counted */
static StatsSlot *st_my_slot = NULL;
static bool st_slot_checked = false;
static SlotEntry *st_current = NULL;	/* the entry used last */
static int	st_next_victim = 0;

/* ======================================================================
 * Settings, shared memory, start-up and shutdown
 * ======================================================================
 */

void
idem_stats_define_gucs(void)
{
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("idempotency.stats_max",
								"Largest number of (database, role, scope) combinations counted separately.",
								"When the table is full, a new scope is counted under its role's row whose scope is NULL, and when that row cannot be added either, under the overflow row (database and role NULL).",
								&st_max_entries,
								5000, 100, 1000000,
								PGC_POSTMASTER, 0,
								NULL, NULL, NULL);

	DefineCustomBoolVariable("idempotency.stats_track_scopes",
							 "Counts each scope separately in idempotency.stats.",
							 "Off: one row per database and role, its scope NULL.",
							 &st_track_scopes,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("idempotency.log_replays",
							 "Logs each replayed duplicate: a claim() or once() answered from a completed key.",
							 NULL,
							 &idem_log_replays,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("idempotency.log_mismatches",
							 "Logs each reuse of a key for a different request (IK001).",
							 NULL,
							 &idem_log_mismatches,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("idempotency.log_refused_commits",
							 "Logs each commit refused for an unfinished claim (IK005).",
							 NULL,
							 &idem_log_refused_commits,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("idempotency.log_recoveries",
							 "Logs each lease claim taken over from a holder whose lease ran out or whose session ended.",
							 NULL,
							 &idem_log_recoveries,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("idempotency.log_min_wait",
							"Logs each wait for a key held by another transaction that lasts at least this long.",
							"-1 turns the log off; 0 logs every wait.  Waits that run out are logged too.",
							&idem_log_min_wait,
							-1, -1, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}

static int
st_nslots(void)
{
	return idem_max_backends();
}

static Size
st_shmem_size(void)
{
	Size		size;

	size = add_size(offsetof(StatsShared, slots),
					mul_size(st_nslots(), sizeof(StatsSlot)));
	/* one more entry than the maximum: the overflow entry */
	return add_size(size, hash_estimate_size(st_max_entries + 1, sizeof(StatsEntry)));
}

static void
st_request_shmem(void)
{
	RequestAddinShmemSpace(st_shmem_size());
	RequestNamedLWLockTranche(STATS_TRANCHE, 1);
}

#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
static void
st_shmem_request(void)
{
	if (st_prev_shmem_request)
		st_prev_shmem_request();
	st_request_shmem();
}
#endif

/* The hash table's entry for key, created if absent (caller holds the lock exclusively). */
static StatsEntry *
st_enter(const StatsKey *key, bool *found)
{
	StatsEntry *e = hash_search(st_hash, key, HASH_ENTER, found);

	if (!*found)
		memset(e->counters, 0, sizeof(e->counters));
	return e;
}

static void
st_overflow_key(StatsKey *key)
{
	memset(key, 0, sizeof(*key));
	key->scope_len = -1;
}

/* Reads the file a clean shutdown wrote, then removes it. */
static void
st_load_file(void)
{
	FILE	   *f;
	uint32		magic;
	int32		nentries;
	TimestampTz reset;
	int64		folded;

	f = AllocateFile(STATS_FILE, PG_BINARY_R);
	if (f == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", STATS_FILE)));
		return;
	}
	if (fread(&magic, sizeof(magic), 1, f) == 1 && magic == STATS_FILE_MAGIC &&
		fread(&reset, sizeof(reset), 1, f) == 1 &&
		fread(&folded, sizeof(folded), 1, f) == 1 &&
		fread(&nentries, sizeof(nentries), 1, f) == 1)
	{
		st_shared->stats_reset = reset;
		st_shared->folded = folded;
		for (int i = 0; i < nentries; i++)
		{
			StatsEntry	in;
			StatsEntry *e;
			bool		found;

			if (fread(&in, sizeof(in), 1, f) != 1)
				break;
			if (hash_get_num_entries(st_hash) >= st_max_entries &&
				OidIsValid(in.key.dbid))
				st_overflow_key(&in.key);	/* stats_max was lowered */
			e = st_enter(&in.key, &found);
			for (int c = 0; c < IDEM_NUM_STATS; c++)
				e->counters[c] += in.counters[c];
		}
	}
	else
		ereport(LOG,
				(errmsg("ignoring file \"%s\": it is not an idempotency statistics file of this version",
						STATS_FILE)));
	FreeFile(f);
	unlink(STATS_FILE);
}

static void st_hand_over(SlotEntry *s);

/* The counters a slot entry has not handed over yet */
static void
st_slot_pending(SlotEntry *s, uint64 *out)
{
	for (int c = 0; c < IDEM_NUM_STATS; c++)
		out[c] = pg_atomic_read_u64(&s->counters[c]) - s->base[c];
}

/*
 * At a clean shutdown of the postmaster (code 0), writes the table, with
 * whatever slots still hold, to STATS_FILE.  Nothing is written on a crash.
 */
static void
st_shmem_shutdown(int code, Datum arg)
{
	FILE	   *f;
	HASH_SEQ_STATUS hs;
	StatsEntry *e;
	uint32		magic = STATS_FILE_MAGIC;
	int32		nentries;

	if (code != 0 || st_shared == NULL || st_hash == NULL)
		return;

	/* hand over what the slots of exited backends still hold */
	for (int i = 0; i < st_shared->nslots; i++)
		for (int j = 0; j < STATS_SLOT_ENTRIES; j++)
			if (st_shared->slots[i].entries[j].used)
				st_hand_over(&st_shared->slots[i].entries[j]);

	f = AllocateFile(STATS_FILE_TMP, PG_BINARY_W);
	if (f == NULL)
		goto error;
	nentries = (int32) hash_get_num_entries(st_hash);
	if (fwrite(&magic, sizeof(magic), 1, f) != 1 ||
		fwrite(&st_shared->stats_reset, sizeof(TimestampTz), 1, f) != 1 ||
		fwrite(&st_shared->folded, sizeof(int64), 1, f) != 1 ||
		fwrite(&nentries, sizeof(nentries), 1, f) != 1)
		goto error;
	hash_seq_init(&hs, st_hash);
	while ((e = hash_seq_search(&hs)) != NULL)
	{
		if (fwrite(e, sizeof(*e), 1, f) != 1)
		{
			hash_seq_term(&hs);
			goto error;
		}
	}
	if (FreeFile(f))
	{
		f = NULL;
		goto error;
	}
	(void) durable_rename(STATS_FILE_TMP, STATS_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", STATS_FILE_TMP)));
	if (f)
		FreeFile(f);
	unlink(STATS_FILE_TMP);
}

/* Creates or attaches to the shared state; the postmaster loads the file. */
static void
st_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (st_prev_shmem_startup)
		st_prev_shmem_startup();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	st_shared = ShmemInitStruct(STATS_SHMEM_NAME,
								add_size(offsetof(StatsShared, slots),
										 mul_size(st_nslots(), sizeof(StatsSlot))),
								&found);
	if (!found)
	{
		memset(st_shared, 0, offsetof(StatsShared, slots));
		st_shared->lock = &(GetNamedLWLockTranche(STATS_TRANCHE))->lock;
		st_shared->nslots = st_nslots();
		st_shared->stats_reset = GetCurrentTimestamp();
		for (int i = 0; i < st_shared->nslots; i++)
			for (int j = 0; j < STATS_SLOT_ENTRIES; j++)
			{
				SlotEntry  *s = &st_shared->slots[i].entries[j];

				s->used = false;
				for (int c = 0; c < IDEM_NUM_STATS; c++)
					pg_atomic_init_u64(&s->counters[c], 0);
			}
	}
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	st_hash = ShmemInitHash(STATS_SHMEM_NAME " hash",
							st_max_entries + 1, st_max_entries + 1,
							&info, HASH_ELEM | HASH_BLOBS);
	if (!found)
	{
		StatsKey	overflow;
		bool		efound;

		st_overflow_key(&overflow);
		(void) st_enter(&overflow, &efound);
	}
	LWLockRelease(AddinShmemInitLock);

	if (!IsUnderPostmaster)
	{
		if (!found)
			st_load_file();
		on_shmem_exit(st_shmem_shutdown, (Datum) 0);
	}
}

/*
 * idem_stats_register asks for the shared state; called from _PG_init only
 * while shared_preload_libraries is being processed.
 */
void
idem_stats_register(void)
{
#ifdef IDEM_HAVE_SHMEM_REQUEST_HOOK
	st_prev_shmem_request = shmem_request_hook;
	shmem_request_hook = st_shmem_request;
#else
	st_request_shmem();
#endif
	st_prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = st_shmem_startup;
}

/* ======================================================================
 * Counting (the owner of a slot)
 * ======================================================================
 */

/* Hands a slot entry's pending counts to the table (lock held exclusively). */
static void
st_hand_over(SlotEntry *s)
{
	uint64		pending[IDEM_NUM_STATS];
	StatsEntry *e;
	bool		found;

	st_slot_pending(s, pending);
	e = st_enter(&s->key, &found);	/* present: bound entries have one */
	for (int c = 0; c < IDEM_NUM_STATS; c++)
	{
		e->counters[c] += pending[c];
		pg_atomic_write_u64(&s->counters[c], 0);
		s->base[c] = 0;
	}
	s->used = false;
}

/* At backend exit: hand every entry of the slot over. */
static void
st_backend_exit(int code, Datum arg)
{
	if (st_my_slot == NULL)
		return;
	LWLockAcquire(st_shared->lock, LW_EXCLUSIVE);
	for (int j = 0; j < STATS_SLOT_ENTRIES; j++)
		if (st_my_slot->entries[j].used)
			st_hand_over(&st_my_slot->entries[j]);
	LWLockRelease(st_shared->lock);
	st_my_slot = NULL;
	st_current = NULL;
}

static void
st_make_key(StatsKey *key, const KeyId *id)
{
	memset(key, 0, sizeof(*key));
	key->dbid = MyDatabaseId;
	key->userid = id->owner;
	if (st_track_scopes)
	{
		key->scope_len = VARSIZE_ANY_EXHDR(id->scope);
		memcpy(key->scope, VARDATA_ANY(id->scope), key->scope_len);
	}
	else
		key->scope_len = -1;
}

static bool
st_key_matches(const StatsKey *key, const KeyId *id)
{
	if (key->dbid != MyDatabaseId || key->userid != id->owner)
		return false;
	if (!st_track_scopes)
		return key->scope_len == -1;
	return key->scope_len == (int32) VARSIZE_ANY_EXHDR(id->scope) &&
		memcmp(key->scope, VARDATA_ANY(id->scope), key->scope_len) == 0;
}

/* Whether this backend counts: the library is preloaded and it has a slot. */
static bool
st_attach(void)
{
	st_slot_checked = true;
	if (st_shared == NULL || idem_my_backend_number() < 1 ||
		idem_my_backend_number() > st_shared->nslots)
		return false;
	st_my_slot = &st_shared->slots[idem_my_backend_number() - 1];
	/* a slot left bound by an earlier backend (cannot happen): hand it over */
	LWLockAcquire(st_shared->lock, LW_EXCLUSIVE);
	for (int j = 0; j < STATS_SLOT_ENTRIES; j++)
		if (st_my_slot->entries[j].used)
			st_hand_over(&st_my_slot->entries[j]);
	LWLockRelease(st_shared->lock);
	before_shmem_exit(st_backend_exit, (Datum) 0);
	return true;
}

/*
 * The slot entry counting id's events: one of the slot's, or one bound to
 * it now, with the hash table's entry made (or the key folded) under the
 * lock.
 */
static SlotEntry *
st_entry_for(const KeyId *id)
{
	StatsKey	key;
	SlotEntry  *s;
	bool		found;
	int			j;

	for (j = 0; j < STATS_SLOT_ENTRIES; j++)
	{
		s = &st_my_slot->entries[j];
		if (s->used && st_key_matches(&s->key, id))
			return s;
	}

	st_make_key(&key, id);
	LWLockAcquire(st_shared->lock, LW_EXCLUSIVE);
	if (hash_search(st_hash, &key, HASH_FIND, NULL) == NULL &&
		hash_get_num_entries(st_hash) >= st_max_entries + 1)
	{
		st_shared->folded++;
		if (key.scope_len >= 0)
		{
			key.scope_len = -1;
			memset(key.scope, 0, sizeof(key.scope));
		}
		if (hash_search(st_hash, &key, HASH_FIND, NULL) == NULL)
			st_overflow_key(&key);
	}
	(void) st_enter(&key, &found);

	/* a folded key may be bound already */
	s = NULL;
	for (j = 0; j < STATS_SLOT_ENTRIES; j++)
		if (st_my_slot->entries[j].used &&
			memcmp(&st_my_slot->entries[j].key, &key, sizeof(key)) == 0)
			s = &st_my_slot->entries[j];
	if (s == NULL)
	{
		for (j = 0; j < STATS_SLOT_ENTRIES && s == NULL; j++)
			if (!st_my_slot->entries[j].used)
				s = &st_my_slot->entries[j];
		if (s == NULL)
		{
			s = &st_my_slot->entries[st_next_victim];
			st_next_victim = (st_next_victim + 1) % STATS_SLOT_ENTRIES;
			st_hand_over(s);
		}
		s->key = key;
		s->used = true;
	}
	LWLockRelease(st_shared->lock);
	return s;
}

/*
 * idem_stats_add counts n events of one kind for id's database, role and
 * (when idempotency.stats_track_scopes is on) scope.  Without the library
 * preloaded it does nothing.  Takes no lock unless this backend starts
 * counting a combination it has not counted lately.
 */
void
idem_stats_add(IdemStat which, const KeyId *id, uint64 n)
{
	SlotEntry  *s;

	if (st_my_slot == NULL && (st_slot_checked || !st_attach()))
		return;
	s = st_current;
	if (s == NULL || !s->used || !st_key_matches(&s->key, id))
		st_current = s = st_entry_for(id);
	pg_atomic_write_u64(&s->counters[which],
						pg_atomic_read_u64(&s->counters[which]) + n);
}

/* ======================================================================
 * Log lines
 * ======================================================================
 */

/* Appends s, of len bytes, quoted, with control characters escaped. */
static void
st_append_quoted(StringInfo buf, const char *s, int len)
{
	appendStringInfoChar(buf, '"');
	for (int i = 0; i < len; i++)
	{
		unsigned char ch = (unsigned char) s[i];

		if (ch == '"' || ch == '\\')
			appendStringInfo(buf, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			appendStringInfo(buf, "\\x%02x", ch);
		else
			appendStringInfoChar(buf, ch);
	}
	appendStringInfoChar(buf, '"');
}

/*
 * idem_log_event writes one LOG line: the event, the role, scope and key
 * (quoted, control characters escaped), and a detail.  Never a response.
 */
void
idem_log_event(const KeyId *id, const char *event, const char *detail)
{
	StringInfoData buf;
	char	   *role = GetUserNameFromId(id->owner, true);

	initStringInfo(&buf);
	appendStringInfo(&buf, "idempotency: %s: role ", event);
	if (role)
		st_append_quoted(&buf, role, strlen(role));
	else
		appendStringInfo(&buf, "%u", id->owner);
	appendStringInfoString(&buf, " scope ");
	st_append_quoted(&buf, VARDATA_ANY(id->scope), VARSIZE_ANY_EXHDR(id->scope));
	appendStringInfoString(&buf, " key ");
	st_append_quoted(&buf, VARDATA_ANY(id->key), VARSIZE_ANY_EXHDR(id->key));
	if (detail)
		appendStringInfo(&buf, ": %s", detail);
	ereport(LOG, (errmsg_internal("%s", buf.data), errhidestmt(true)));
	pfree(buf.data);
}

/*
 * idem_stats_note_wait counts a wait for id that lasted wait_us (and ran
 * out, if timed_out), and logs it when idempotency.log_min_wait says so.
 */
void
idem_stats_note_wait(const KeyId *id, int64 wait_us, bool timed_out)
{
	idem_stats_count(IDEM_STAT_WAITS, id);
	idem_stats_add(IDEM_STAT_WAIT_TIME_US, id, (uint64) Max(wait_us, 0));
	if (timed_out)
		idem_stats_count(IDEM_STAT_LOCK_TIMEOUTS, id);
	if (idem_log_min_wait >= 0 && wait_us >= (int64) idem_log_min_wait * 1000)
	{
		char		detail[96];

		snprintf(detail, sizeof(detail), "%s after %.3f ms",
				 timed_out ? "gave up" : "acquired", (double) wait_us / 1000.0);
		idem_log_event(id, "waited for key", detail);
	}
}

/* ======================================================================
 * SQL: stats(), stats_info(), stats_reset()
 * ======================================================================
 */

#define STATS_COLS	(3 + IDEM_NUM_STATS)

/*
 * idempotency.stats(): one row per counted combination, the table's counts
 * plus what every backend's slot holds.  No rows without the library
 * preloaded (stats_info() says so).
 */
Datum
idempotency_stats_1_1(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore = idem_srf_begin(fcinfo, STATS_COLS, &tupdesc);
	HTAB	   *copy;
	HASHCTL		info;
	HASH_SEQ_STATUS hs;
	StatsEntry *e;

	if (st_shared == NULL)
	{
		ereport(NOTICE,
				(errmsg("idempotency statistics are not being collected"),
				 errdetail("The library is not in shared_preload_libraries."),
				 errhint("Add idempotency to shared_preload_libraries and restart the server.")));
		return (Datum) 0;
	}

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	info.hcxt = CurrentMemoryContext;
	copy = hash_create("idempotency stats copy", 256, &info,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	LWLockAcquire(st_shared->lock, LW_SHARED);
	hash_seq_init(&hs, st_hash);
	while ((e = hash_seq_search(&hs)) != NULL)
	{
		StatsEntry *c = hash_search(copy, &e->key, HASH_ENTER, NULL);

		memcpy(c->counters, e->counters, sizeof(c->counters));
	}
	for (int i = 0; i < st_shared->nslots; i++)
		for (int j = 0; j < STATS_SLOT_ENTRIES; j++)
		{
			SlotEntry  *s = &st_shared->slots[i].entries[j];
			uint64		pending[IDEM_NUM_STATS];
			StatsEntry *c;
			bool		found;

			if (!s->used)
				continue;
			st_slot_pending(s, pending);
			c = hash_search(copy, &s->key, HASH_ENTER, &found);
			if (!found)
				memset(c->counters, 0, sizeof(c->counters));
			for (int k = 0; k < IDEM_NUM_STATS; k++)
				c->counters[k] += pending[k];
		}
	LWLockRelease(st_shared->lock);

	hash_seq_init(&hs, copy);
	while ((e = hash_seq_search(&hs)) != NULL)
	{
		Datum		values[STATS_COLS];
		bool		nulls[STATS_COLS];
		bool		any = false;

		for (int k = 0; k < IDEM_NUM_STATS; k++)
			any |= (e->counters[k] != 0);
		if (!any)
			continue;			/* bound, nothing counted since the reset */
		memset(nulls, false, sizeof(nulls));
		values[0] = ObjectIdGetDatum(e->key.dbid);
		nulls[0] = !OidIsValid(e->key.dbid);
		values[1] = ObjectIdGetDatum(e->key.userid);
		nulls[1] = !OidIsValid(e->key.dbid);
		if (e->key.scope_len >= 0)
			values[2] = PointerGetDatum(cstring_to_text_with_len(e->key.scope,
																 e->key.scope_len));
		nulls[2] = (e->key.scope_len < 0);
		for (int k = 0; k < IDEM_NUM_STATS; k++)
			values[3 + k] = Int64GetDatum((int64) e->counters[k]);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * idempotency.stats_info(): whether counting is on, since when, and how
 * full the table is.
 */
Datum
idempotency_stats_info_1_1(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != 6)
		elog(ERROR, "stats_info() returns %d columns, expected 6", tupdesc->natts);
	memset(nulls, true, sizeof(nulls));
	values[0] = BoolGetDatum(st_shared != NULL);
	nulls[0] = false;
	values[4] = BoolGetDatum(st_track_scopes);
	nulls[4] = false;
	if (st_shared != NULL)
	{
		LWLockAcquire(st_shared->lock, LW_SHARED);
		values[1] = TimestampTzGetDatum(st_shared->stats_reset);
		values[2] = Int64GetDatum(hash_get_num_entries(st_hash) - 1);
		values[5] = Int64GetDatum(st_shared->folded);
		LWLockRelease(st_shared->lock);
		values[3] = Int32GetDatum(st_max_entries);
		nulls[1] = nulls[2] = nulls[3] = nulls[5] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * idempotency.stats_reset(): zeroes every counter of every database and
 * sets stats_reset.  Does nothing without the library preloaded.
 */
Datum
idempotency_stats_reset_1_1(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS hs;
	StatsEntry *e;
	StatsKey	overflow;

	if (st_shared == NULL)
		PG_RETURN_VOID();
	st_overflow_key(&overflow);

	LWLockAcquire(st_shared->lock, LW_EXCLUSIVE);
	/* drop every entry no slot is bound to; zero the others */
	hash_seq_init(&hs, st_hash);
	while ((e = hash_seq_search(&hs)) != NULL)
	{
		memset(e->counters, 0, sizeof(e->counters));
		if (memcmp(&e->key, &overflow, sizeof(overflow)) != 0)
			(void) hash_search(st_hash, &e->key, HASH_REMOVE, NULL);
	}
	for (int i = 0; i < st_shared->nslots; i++)
		for (int j = 0; j < STATS_SLOT_ENTRIES; j++)
		{
			SlotEntry  *s = &st_shared->slots[i].entries[j];
			bool		found;

			if (!s->used)
				continue;
			for (int k = 0; k < IDEM_NUM_STATS; k++)
				s->base[k] = pg_atomic_read_u64(&s->counters[k]);
			(void) st_enter(&s->key, &found);
		}
	st_shared->stats_reset = GetCurrentTimestamp();
	st_shared->folded = 0;
	LWLockRelease(st_shared->lock);
	PG_RETURN_VOID();
}
