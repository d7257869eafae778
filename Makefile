# Mutua - see README.md. `make`, `make check`, `make demo`, `make bench`,
# `make install PREFIX=/usr/local DESTDIR=`. V=1 shows full command lines.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKGS := libzmq libsodium sqlite3 libprotobuf-c libmicrohttpd gnutls

# On a fresh machine, install what the build needs first (deploy/deps.sh).
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_OK := $(shell pkg-config --exists $(PKGS) cmocka 2>/dev/null && \
	command -v protoc-c >/dev/null && command -v bats >/dev/null && \
	command -v xgettext >/dev/null && command -v msgfmt >/dev/null && \
	locale -a 2>/dev/null | grep -qix 'fr_FR.utf-\?8' && echo ok)
ifneq ($(DEPS_OK),ok)
DEPS_RUN := $(shell sh deploy/deps.sh >&2 && echo ok)
ifneq ($(DEPS_RUN),ok)
$(error missing dependencies: run deploy/deps.sh as root)
endif
endif
endif

# A sanitizer build (SAN=1) and a plain one never share objects: switching
# kinds starts from a clean tree.
BUILD_KIND := $(if $(filter 1,$(SAN)),san,plain)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifneq ($(shell cat build/.kind 2>/dev/null),$(BUILD_KIND))
$(shell rm -rf build bin && mkdir -p build && echo $(BUILD_KIND) > build/.kind)
endif
endif

OPT ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
	-DLOCALEDIR=\"$(PREFIX)/share/locale\" -DWEBDIR=\"$(PREFIX)/share/mutua/web\" $(OPT) -MMD -MP -Ibuild/gen -Iledger -Inode $(shell pkg-config --cflags $(PKGS))
# The web page's libraries are not linked: mutuad loads them when the
# page starts (node/web.c, lib_load), by the names the linker would have
# given them, so a node without a web page maps neither.
WEB_PKGS := libmicrohttpd gnutls
soname = $(or $(shell objdump -p "$$($(CC) -print-file-name=$(1))" 2>/dev/null | \
	awk '/SONAME/ { print $$2 }'),$(2))
build/node/web.o: CFLAGS += -DMHD_SONAME=\"$(call soname,libmicrohttpd.so,libmicrohttpd.so.12)\" \
	-DGNUTLS_SONAME=\"$(call soname,libgnutls.so,libgnutls.so.30)\"
LDLIBS += $(shell pkg-config --libs $(filter-out $(WEB_PKGS),$(PKGS))) -lpthread -lm
# the plain CLI: no libzmq (tools/net_exec.c says why), no web server
CLI_LDLIBS := $(shell pkg-config --libs $(filter-out libzmq $(WEB_PKGS),$(PKGS))) -lpthread
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
export ASAN_OPTIONS = detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LEDGER_SRC := $(wildcard ledger/*.c)
NODE_SRC := $(filter-out node/mutuad.c,$(wildcard node/*.c))
# the commands that talk to peers; the plain mutua runs them as mutua-net
TOOLS_NET_SRC := tools/cmd_sync.c tools/staff_client.c
TOOLS_SRC := $(filter-out $(TOOLS_NET_SRC) tools/net_exec.c,$(wildcard tools/*.c))
TEST_SRC := $(wildcard tests/unit/test_*.c)

PB_C := build/gen/mutua.pb-c.c
PB_H := build/gen/mutua.pb-c.h
LEDGER_OBJ := $(LEDGER_SRC:%.c=build/%.o) build/gen/mutua.pb-c.o
LIB := build/libmutua.a
NODE_LIB := build/libnode.a
TEST_BIN := $(TEST_SRC:tests/unit/%.c=build/tests/%)
TOOL_BIN := $(patsubst tests/%.c,build/tests/%,$(wildcard tests/tools/*.c))
BENCH_BIN := build/tests/bench/bench

all: bin/mutua bin/mutua-net bin/mutuad locale

# Messages in French and English (GNU gettext, domain "mutua"). The template
# is extracted from the sources at each build (build/po/mutua.pot, never
# committed); po/fr.po, the French translation, is merged with it into
# build/po/fr.po and compiled to build/locale/fr/LC_MESSAGES/mutua.mo, where
# the binaries of bin/ find it (ledger/i18n.c). `make po-update` merges the
# new messages into po/fr.po for the translator; tests/cli/i18n.bats fails
# while a message has no French. fail(), usage(), missing() (tools/cli.h),
# err_set() (ledger/err.h) and resolve_id() translate their text themselves.
LINGUAS := fr
POT := build/po/mutua.pot
POT_SRC := $(sort $(LEDGER_SRC) $(wildcard node/*.c) $(wildcard tools/*.c))
MO := $(LINGUAS:%=build/locale/%/LC_MESSAGES/mutua.mo)
XGETTEXT_OPTS := --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
	--package-name=mutua --msgid-bugs-address=mutua --sort-by-file \
	--keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=C_:1c,2 --keyword=NC_:1c,2 \
	--keyword=fail:2 --keyword=fail_err:2 --keyword=usage:1 --keyword=missing:2,3 \
	--keyword=err_set:1 --keyword=err_fmt:3 --keyword=resolve_id:2 --keyword=check:2 \
	--flag=fail:2:c-format --flag=err_set:1:c-format --flag=err_fmt:3:c-format --flag=check:2:c-format --flag=_:1:pass-c-format

build/po/columns.c: po/columns.sh $(wildcard tools/*.c) $(wildcard ledger/view*.c)
	@mkdir -p build/po
	$(Q)sh po/columns.sh > $@

# the web page's words (web/strings.json), for the same catalogue
build/po/web.c: po/web.sh web/strings.json
	@mkdir -p build/po
	$(Q)sh po/web.sh > $@

# the ledger's reasons kept in constants and tables (refusal.h, lending.h,
# the steps of loan.c...): every sentence of those files but SQL; err_set
# translates such a reason where it is an argument (ledger/err.c)
REASON_SRC := ledger/loan.c $(wildcard ledger/*.h)
build/po/reasons.pot: $(REASON_SRC)
	@mkdir -p build/po
	$(Q)xgettext --extract-all --language=C --from-code=UTF-8 -o - $(REASON_SRC) | \
		sed 's/charset=CHARSET/charset=UTF-8/' | \
		msggrep --msgid -E -e '^[a-z].* ' | \
		msggrep -v --msgid -E -e 'SELECT|INSERT|UPDATE|DELETE|CREATE| FROM | WHERE |^mutua|^nullif|coalesce\(' \
		-o $@.tmp && mv $@.tmp $@

$(POT): $(POT_SRC) build/po/columns.c build/po/web.c build/po/reasons.pot
	@mkdir -p build/po
	@echo "  XGETTEXT $@"
	$(Q)xgettext $(XGETTEXT_OPTS) -o $@.tmp $(POT_SRC) build/po/columns.c build/po/web.c && \
		sed -i 's/charset=CHARSET/charset=UTF-8/' $@.tmp && \
		msgcat --use-first -o $@ $@.tmp build/po/reasons.pot && rm -f $@.tmp

build/po/%.po: po/%.po $(POT)
	$(Q)msgmerge --quiet --no-fuzzy-matching -o $@ $< $(POT)

build/locale/%/LC_MESSAGES/mutua.mo: build/po/%.po
	@mkdir -p $(dir $@)
	@echo "  MSGFMT  $@"
	$(Q)msgfmt -c -o $@ $<

locale: $(MO) $(LINGUAS:%=build/po/%.po)

# merges the messages of the sources into po/fr.po (then translate them)
po-update: $(POT)
	$(Q)for l in $(LINGUAS); do msgmerge --quiet --update --backup=none --no-fuzzy-matching po/$$l.po $(POT); done

# one run of protoc-c makes both (a grouped target: with -j, two runs would
# leave the header newer than the objects built from the first)
$(PB_C) $(PB_H) &: proto/mutua.proto
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

# the formats of the ledger's reasons, for err.c to recognise a reason read
# back from the store and show it in the reader's language: those err_set
# and err_fmt compose with, and those of the reasons' constants
build/gen/err_formats.h: $(LEDGER_SRC) $(wildcard ledger/*.h)
	@mkdir -p build/gen
	$(Q){ xgettext --keyword= --keyword=err_fmt:3 --keyword=err_set:1 --language=C \
		--from-code=UTF-8 --no-wrap -o - $(LEDGER_SRC) | sed -n 's/^msgid "\(.*%.*\)"$$/"\1",/p'; \
	  xgettext --extract-all --language=C --from-code=UTF-8 --no-wrap -o - \
		$(wildcard ledger/*.h) ledger/loan.c | sed -n 's/^msgid "\([a-z].*%.*\)"$$/"\1",/p' | \
		grep -v 'SELECT\|INSERT\| FROM \| WHERE '; } > $@.tmp && mv $@.tmp $@
build/ledger/err.o: build/gen/err_formats.h

$(LIB): $(LEDGER_OBJ)
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(NODE_LIB): $(NODE_SRC:%.c=build/%.o)
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

bin/mutua: $(TOOLS_SRC:%.c=build/%.o) build/tools/net_exec.o $(LIB)
	@mkdir -p bin
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LDLIBS)

bin/mutua-net: $(TOOLS_SRC:%.c=build/%.o) $(TOOLS_NET_SRC:%.c=build/%.o) $(NODE_LIB) $(LIB)
	@mkdir -p bin
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/mutuad: build/node/mutuad.o $(NODE_LIB) $(LIB)
	@mkdir -p bin
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the tests that build a federation of members with tests/unit/fixture.c
FIXTURE_TESTS := test_lending test_staff test_webauth test_witness test_audit
$(FIXTURE_TESTS:%=build/tests/%): build/tests/unit/fixture.o

build/tests/%: build/tests/unit/%.o $(NODE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

# test tools for the multi-node tests (tests/tools/*.c)
build/tests/tools/%: build/tests/tools/%.o $(NODE_LIB) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the micro-benchmarks and measuring helpers of make bench; every library
# mutuad links loaded, as mutuad loads them (bench libs)
$(BENCH_BIN): build/tests/bench/bench.o $(NODE_LIB) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -Wl,--no-as-needed $(LDLIBS)

# fuzz targets, replayed over their corpus and past crashers by make check
# (tests/fuzz/replay.c); make fuzz runs them under libFuzzer with clang
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_NAMES:%=build/tests/test_%)
build/tests/fuzz/replay_%.o: tests/fuzz/replay.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -DFUZZ_NAME='"$*"' -c -o $@ $<
build/tests/test_fuzz_%: build/tests/fuzz/replay_fuzz_%.o build/tests/fuzz/fuzz_%.o \
		build/tests/fuzz/common.o $(NODE_LIB) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: $(TEST_BIN) $(TOOL_BIN) $(BENCH_BIN) $(FUZZ_BIN)

check: all tests
	@bash tests/run.sh

# the web page's catalogue, a resource and the incoming requests at phone
# and desktop widths, from the browser test (tests/cli/web.bats)
screenshots: all
	@mkdir -p screenshots
	@WEB_SHOTS=$(CURDIR)/screenshots bats --filter 'in a browser' tests/cli/web.bats
	@ls screenshots

demo: all
	@sh deploy/demo.sh

bench:
	@$(MAKE) --no-print-directory OPT="-O3 -DNDEBUG" all $(BENCH_BIN)
	@sh tests/bench.sh

# N real daemons on loopback and the overlay to 10 000 (tests/bench/scale.sh)
bench-scale: all tests
	@bash tests/bench/scale.sh

fuzz:
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

# the long hardening runs (tests/stress.sh): a power cut at every sync point,
# 100 crash loops, partitions, and the fuzzers for FUZZ_SECONDS (300) each
stress: all tests
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),300) bash tests/stress.sh

# the unit tests and fuzz replays under valgrind: no error, no definite leak
valgrind: tests
	@for t in $(TEST_BIN) $(FUZZ_BIN); do \
		echo "  VALGRIND $$t"; \
		valgrind -q --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite $$t >/dev/null || exit 1; \
	done; echo "valgrind: no errors, no definite leaks"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 bin/* $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 doc/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	for l in $(LINGUAS); do \
		install -d $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES && \
		install -m 0644 build/locale/$$l/LC_MESSAGES/mutua.mo \
			$(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/man/fr/man1
	install -m 0644 doc/fr/*.1 $(DESTDIR)$(PREFIX)/share/man/fr/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 deploy/bash-completion/mutua $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mutua
	install -d $(DESTDIR)$(PREFIX)/share/mutua/web
	install -m 0644 web/* $(DESTDIR)$(PREFIX)/share/mutua/web/

clean:
	rm -rf build bin bench-results.json screenshots

.PHONY: all tests check screenshots demo bench bench-scale fuzz stress valgrind install clean locale po-update
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
