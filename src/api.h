/*-------------------------------------------------------------------------
 * api.h
 *	  The key API's internals, shared by the SQL-callable functions in api.c
 *	  and by once() in once.c.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_API_H
#define IDEMPOTENCY_API_H

#include "fmgr.h"
#include "datatype/timestamp.h"
#include "utils/uuid.h"

#include "keystore.h"

/* GUCs (api.c) */
extern int	idem_default_ttl;		/* seconds */
extern int	idem_max_response_size; /* bytes */

extern void idem_api_define_gucs(void);

typedef enum ClaimOutcome
{
	CLAIM_CLAIMED,
	CLAIM_COMPLETED,
	CLAIM_IN_PROGRESS,
	CLAIM_RECOVERED
} ClaimOutcome;

/* What a claim asks for; negative means "not given" */
typedef struct ClaimRequest
{
	KeyId		id;
	text	   *fingerprint;	/* NULL: none */
	int64		wait_ms;		/* IDEM_WAIT_LOCK_TIMEOUT, 0, or a bound */
	int64		lease_us;		/* < 0: no lease */
	int64		ttl_us;			/* > 0 */
	bool		defer_insert;	/* a new key: write no row, the caller will
								 * write it completed (once()) */
	bool		defer_row;		/* a new key, without a lease: write no row,
								 * remember the claim as pending, and write
								 * its row at complete() (claim_batch) */
	bool		try_lock_first; /* take an uncontended lock before looking
								 * for a completed row (mostly new keys) */
	bool		locked;			/* the caller took the key's lock for this
								 * claim already (claim_batch): the claim
								 * owns that one lock as if it took it */
	KeyStore   *ks;				/* the caller's open key store, or NULL */
} ClaimRequest;

/*
 * A key whose once() statement is running: an entry on the stack of such
 * keys, which lives in once()'s own stack frame.
 */
typedef struct IdemRunningOnce
{
	const KeyId *id;
	struct IdemRunningOnce *next;
} IdemRunningOnce;

extern void idem_running_once_push(IdemRunningOnce *entry, const KeyId *id);
extern void idem_running_once_pop(IdemRunningOnce *entry);

extern void idem_check_key(const text *key, int elemno);
extern void idem_check_text_length(const text *t, const char *argname,
								   int max_len, int elemno);
extern text *idem_key_from_arg(FunctionCallInfo fcinfo, int argno, bool is_uuid);
extern text *idem_scope_from_arg(FunctionCallInfo fcinfo, int argno);
extern int64 idem_interval_arg_usecs(FunctionCallInfo fcinfo, int argno,
									 const char *argname, bool allow_zero,
									 int64 max_secs);
extern void idem_check_writable(const char *funcname);
extern Size idem_check_response_size(Datum response);

extern ClaimOutcome idem_claim_internal(const ClaimRequest *req, KeyRow *row);
extern void idem_insert_completed(const ClaimRequest *req, Datum response,
								  KeyRow *row);
extern void idem_complete_internal(KeyStore *ks, const KeyId *id, Datum response,
								   bool response_null, Datum code, bool code_null,
								   pg_uuid_t *token, KeyRow *row);
extern void idem_release_internal(KeyStore *ks, const KeyId *id, pg_uuid_t *token);
extern const char *idem_claim_outcome_name(ClaimOutcome outcome);

#endif							/* IDEMPOTENCY_API_H */
