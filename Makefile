# idempotency: PGXS build.  `make`, `make install`, `make installcheck`
# (against a running server named by the usual PG* variables).
# The full four-suite run on throwaway clusters is scripts/test (see README).

EXTENSION    = idempotency
EXTVERSION   = 1.1
MODULE_big   = idempotency
OBJS         = src/idempotency.o src/ks_choose.o src/ks_heap.o src/fingerprint.o \
               src/srf.o \
               src/locks.o src/api.o \
               src/xact.o src/once.o src/worker.o src/launcher.o \
               src/expiry.o src/schedule.o src/stats.o \
               src/batch.o src/ks_citus.o src/citus.o

# Released scripts are frozen (docs/releases.md): idempotency--1.0.sql is
# the 1.0 install script, and every later change to what SQL sees is an
# upgrade script idempotency--X--Y.sql.  CREATE EXTENSION of the default
# version installs 1.0 and applies the upgrade chain, as an update does.
DATA         = idempotency--1.0.sql idempotency--1.0--1.1.sql

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

# PGXS does not track headers: rebuild every object when one changes, so
# that no object keeps an old struct layout
$(OBJS): $(wildcard src/*.h)
