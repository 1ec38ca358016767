# idempotency: PGXS build.  `make`, `make install`, `make installcheck`
# (against a running server named by the usual PG* variables).
# The full four-suite run on throwaway clusters is scripts/test (see README).

EXTENSION    = idempotency
EXTVERSION   = 1.0
MODULE_big   = idempotency
OBJS         = src/idempotency.o src/keystore.o src/locks.o src/api.o \
               src/xact.o src/once.o src/worker.o

# The install script is assembled from one fragment per concern.  Once a
# version is released its assembled script is frozen: later changes go into
# an upgrade script idempotency--X--Y.sql.
SQL_FRAGMENTS = $(sort $(wildcard src/sql/*.sql))
DATA_built   = idempotency--$(EXTVERSION).sql

PG_CONFIG   ?= pg_config
PG_CFLAGS   += -Wall -Wextra -Werror -Wno-unused-parameter \
               -Wno-missing-field-initializers -Wno-sign-compare \
               -Wno-cast-function-type
PG_CPPFLAGS += -I$(srcdir)/src

# pg_regress suites: sql/NAME.sql, expected/NAME.out
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=.
# isolation specs: test/specs/NAME.spec, test/expected/NAME.out
ISOLATION    = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --outputdir=test/output_iso
# TAP: test/t/*.pl
TAP_TESTS    = 1
PROVE_TESTS  = $(sort $(wildcard test/t/*.pl))

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

idempotency--$(EXTVERSION).sql: $(SQL_FRAGMENTS)
	cat $^ > $@
