/*-------------------------------------------------------------------------
 * idempotency.c
 *	  Entry point: module magic, and _PG_init, which calls down into each
 *	  module's registration (its GUCs, callbacks, hooks, workers).
 *
 *	  The library works both preloaded and loaded on first use.  The key
 *	  API needs neither shared memory nor a worker; only the expiry workers
 *	  (worker.c) and the counters (stats.c) require shared_preload_libraries.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "api.h"
#include "batch.h"
#include "compat.h"
#include "ks_citus.h"
#include "stats.h"
#include "worker.h"
#include "xact.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init has each module define its GUCs, registers the transaction callbacks that
 * enforce "claimed keys are completed or released before commit", and, when
 * preloaded, the expiry workers.
 */
void
_PG_init(void)
{
	idem_api_define_gucs();
	idem_batch_define_gucs();
	idem_worker_define_gucs();
	idem_stats_define_gucs();

	idem_reserve_guc_prefix("idempotency");

	idem_xact_init();
	idem_citus_init();			/* the routed calls' shard locks (citus.c) */

	if (process_shared_preload_libraries_in_progress && !IsBinaryUpgrade)
	{
		idem_worker_register();
		idem_stats_register();
	}
}
