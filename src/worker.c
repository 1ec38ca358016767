/*-------------------------------------------------------------------------
 * worker.c
 *	  Expiry background workers.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "worker.h"

void
idem_worker_define_gucs(void)
{
}

void
idem_worker_register(void)
{
}
