/*-------------------------------------------------------------------------
 * batch.h
 *	  Batch calls of the key API (batch.c): the setting they share.
 *-------------------------------------------------------------------------
 */
#ifndef IDEMPOTENCY_BATCH_H
#define IDEMPOTENCY_BATCH_H

extern int	idem_max_batch_size;

extern void idem_batch_define_gucs(void);

#endif							/* IDEMPOTENCY_BATCH_H */
