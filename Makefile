# Mutua - see README.md. `make`, `make check`, `make demo`, `make bench`,
# `make install PREFIX=/usr/local DESTDIR=`. V=1 shows full command lines.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKGS := libzmq libsodium sqlite3 libprotobuf-c

# On a fresh machine, install what the build needs first (deploy/deps.sh).
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_OK := $(shell pkg-config --exists $(PKGS) cmocka 2>/dev/null && \
	command -v protoc-c >/dev/null && command -v bats >/dev/null && echo ok)
ifneq ($(DEPS_OK),ok)
DEPS_RUN := $(shell sh deploy/deps.sh >&2 && echo ok)
ifneq ($(DEPS_RUN),ok)
$(error missing dependencies: run deploy/deps.sh as root)
endif
endif
endif

OPT ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
	$(OPT) -MMD -MP -Ibuild/gen -Iledger -Inode $(shell pkg-config --cflags $(PKGS))
LDLIBS += $(shell pkg-config --libs $(PKGS)) -lpthread
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LEDGER_SRC := $(wildcard ledger/*.c)
NODE_SRC := $(filter-out node/mutuad.c,$(wildcard node/*.c))
TOOLS_SRC := $(wildcard tools/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)

PB_C := build/gen/mutua.pb-c.c
PB_H := build/gen/mutua.pb-c.h
LEDGER_OBJ := $(LEDGER_SRC:%.c=build/%.o) build/gen/mutua.pb-c.o
LIB := build/libmutua.a
NODE_LIB := build/libnode.a
TEST_BIN := $(TEST_SRC:tests/unit/%.c=build/tests/%)

all: bin/mutua bin/mutuad

$(PB_C) $(PB_H): proto/mutua.proto
	@mkdir -p build/gen
	@echo "  PROTOC  $<"
	$(Q)protoc-c --proto_path=proto --c_out=build/gen $<

build/%.o: %.c | $(PB_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

build/gen/mutua.pb-c.o: $(PB_C)
	@echo "  CC      $<"
	$(Q)$(CC) $(filter-out -Wextra,$(CFLAGS)) -c -o $@ $<

$(LIB): $(LEDGER_OBJ)
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(NODE_LIB): $(NODE_SRC:%.c=build/%.o)
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

bin/mutua: $(TOOLS_SRC:%.c=build/%.o) $(NODE_LIB) $(LIB)
	@mkdir -p bin
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/mutuad: build/node/mutuad.o $(NODE_LIB) $(LIB)
	@mkdir -p bin
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/tests/%: build/tests/unit/%.o $(NODE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

tests: $(TEST_BIN)

check: all tests
	@sh tests/run.sh

demo: all
	@sh deploy/demo.sh

bench:
	@$(MAKE) --no-print-directory OPT="-O3 -DNDEBUG" all
	@sh tests/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 bin/* $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 doc/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build bin bench-results.json

.PHONY: all tests check demo bench install clean
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
