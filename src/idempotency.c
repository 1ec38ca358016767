/*-------------------------------------------------------------------------
 * idempotency.c
 *	  Entry point: module magic, GUC definitions and hook registration.
 *
 *	  The library works both preloaded and loaded on first use.  The key
 *	  API needs neither shared memory nor a worker; only the expiry workers
 *	  (worker.c) require shared_preload_libraries.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "compat.h"
#include "idempotency.h"
#include "worker.h"
#include "xact.h"

PG_MODULE_MAGIC;

int			idem_default_ttl = 24 * 60 * 60;
int			idem_max_response_size = 1024 * 1024;

void		_PG_init(void);

/*
 * _PG_init defines the GUCs, registers the transaction callbacks that
 * enforce "claimed keys are completed or released before commit", and, when
 * preloaded, the expiry workers.
 */
void
_PG_init(void)
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

	idem_worker_define_gucs();

	idem_reserve_guc_prefix("idempotency");

	idem_xact_init();

	if (process_shared_preload_libraries_in_progress && !IsBinaryUpgrade)
		idem_worker_register();
}
