# lobbyd — one non-recursive GNU Makefile.
# Each flavour builds into its own directory (build/, build/asan/, build/fuzz/), so objects
# never mix. `make V=1` shows full command lines.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
PROSODY_MODDIR ?= $(PREFIX)/lib/lobbyd/prosody-modules
# Where the Prosody snippet goes (the Debian package: /etc/prosody/conf.avail) and the unit.
PROSODY_SNIPPETDIR ?= $(DATADIR)/lobbyd
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
CPPFLAGS   ?=
LDFLAGS    ?=
WERROR     ?= -Werror
BUILD      ?= build

PKGS   = libstrophe libjwt openssl expat jansson libmicrohttpd libcurl
WARN   = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
         -Wpointer-arith -Wformat=2 -Wvla
DEPS_OK := $(shell $(PKG_CONFIG) --exists $(PKGS) cmocka 2>/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
  $(info lobbyd: build dependencies missing; running .ci/install-deps)
  $(shell bash .ci/install-deps >&2)
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm -pthread
LOBBYD_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -pthread -I. $(WARN) $(PKG_CFLAGS)
ALL_CFLAGS = $(LOBBYD_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP

ifeq ($(V),1)
  Q =
  say =
else
  Q = @
  say = @printf '  %-6s %s\n' $(1) $(2);
endif

BASE_SRC  = $(wildcard base/*.c)
LOBBY_SRC = $(wildcard lobby/*.c)
JWT_SRC   = $(wildcard jwt/*.c)
XMPP_SRC  = $(wildcard xmpp/*.c)
COMP_SRC  = $(filter-out component/main.c,$(wildcard component/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBBASE  = $(BUILD)/libbase.a
LIBLOBBY = $(BUILD)/liblobby.a
LIBTOKEN = $(BUILD)/libtoken.a
LIBXMPP  = $(BUILD)/libxmpp.a
LIBCOMP  = $(BUILD)/libcomponent.a
LOBBYD   = $(BUILD)/lobbyd

.PHONY: all test check integration e2e asan valgrind fuzz bench lint install uninstall clean \
        stack stack-down demo deps backports suites-backports docker-check deb deb-check deb-stack
all: $(LOBBYD)

deps:
	@bash .ci/install-deps

$(BUILD)/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBBASE):  $(call obj,$(BASE_SRC))
$(LIBLOBBY): $(call obj,$(LOBBY_SRC))
$(LIBTOKEN): $(call obj,$(JWT_SRC))
$(LIBXMPP):  $(call obj,$(XMPP_SRC))
$(LIBCOMP):  $(call obj,$(COMP_SRC))
$(LIBBASE) $(LIBLOBBY) $(LIBTOKEN) $(LIBXMPP) $(LIBCOMP):
	$(call say,AR,$@)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# component/ depends on the three modules, xmpp/ and component/ on base/ (logging, allocation);
# link order follows the dependency arrows.
GROUP = -Wl,--start-group $(filter %.a,$^) -Wl,--end-group
$(LOBBYD): $(call obj,component/main.c) $(LIBCOMP) $(LIBXMPP) $(LIBTOKEN) $(LIBLOBBY) $(LIBBASE)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(GROUP) $(PKG_LIBS)

# ---- unit tests: tests/unit/<module>/test_*.c, each linked against its own module only ----
UNIT_LOBBY = $(patsubst tests/unit/lobby/%.c,$(BUILD)/tests/unit/lobby/%,$(wildcard tests/unit/lobby/test_*.c))
UNIT_JWT   = $(patsubst tests/unit/jwt/%.c,$(BUILD)/tests/unit/jwt/%,$(wildcard tests/unit/jwt/test_*.c))
UNIT_XMPP  = $(patsubst tests/unit/xmpp/%.c,$(BUILD)/tests/unit/xmpp/%,$(wildcard tests/unit/xmpp/test_*.c))
UNIT_COMP  = $(patsubst tests/unit/component/%.c,$(BUILD)/tests/unit/component/%,$(wildcard tests/unit/component/test_*.c))
UNIT_BINS  = $(UNIT_LOBBY) $(UNIT_JWT) $(UNIT_XMPP) $(UNIT_COMP)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

$(UNIT_LOBBY): $(BUILD)/tests/unit/lobby/%: $(BUILD)/tests/unit/lobby/%.o $(LIBLOBBY)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
# test_torture fails jwt/'s allocations one by one through link-time wrappers (a variable of
# its own: the asan build sets LDFLAGS on the command line, which would drop an addition).
$(BUILD)/tests/unit/jwt/test_torture: WRAP_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=strndup
$(UNIT_JWT): $(BUILD)/tests/unit/jwt/%: $(BUILD)/tests/unit/jwt/%.o $(LIBTOKEN)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(WRAP_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS)
$(UNIT_XMPP): $(BUILD)/tests/unit/xmpp/%: $(BUILD)/tests/unit/xmpp/%.o $(LIBXMPP) $(LIBBASE)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS)
$(UNIT_COMP): $(BUILD)/tests/unit/component/%: $(BUILD)/tests/unit/component/%.o $(LIBCOMP) $(LIBXMPP) $(LIBTOKEN) $(LIBLOBBY) $(LIBBASE)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(GROUP) $(CMOCKA_LIBS) $(PKG_LIBS)

# Unit and corpus tests: fast, no network. Test binaries run from the top directory.
test: $(UNIT_BINS) $(LOBBYD)
	$(Q)mkdir -p $(RESULTS) && $(PKG_CONFIG) --modversion libstrophe >$(RESULTS)/libstrophe.version
	$(Q)RESULTS_DIR=$(RESULTS) bash tests/run-unit $(UNIT_BINS)
	$(Q)LOBBYD=$(LOBBYD) RESULTS_DIR=$(RESULTS) bash tests/docs-check
	$(Q)LOBBYD=$(LOBBYD) RESULTS_DIR=$(RESULTS) bash tests/cli-check

# The docker-jitsi-meet support (docker/): the entrypoint's rendered configs through the real
# lobbyd --check, the entrypoint against the system's Prosody as docker-jitsi-meet configures
# it, the compose override and the Dockerfile. No registry, no Docker daemon.
docker-check: $(LOBBYD)
	$(Q)LOBBYD=$(LOBBYD) RESULTS_DIR=$(RESULTS) bash tests/docker-check

# The stack's Prosody: PROSODY=/path/to/prosody (default: the system's). RESULTS is where the
# suites leave their counts for the closing summary.
PROSODY ?=
RESULTS ?= $(abspath $(BUILD))/test-results
SUITE_ENV = LOBBYD=$(abspath $(LOBBYD)) $(if $(PROSODY),PROSODY=$(abspath $(PROSODY))) RESULTS_DIR=$(RESULTS)

# The unmodified Jitsi client library in headless Chromium against the real stack.
e2e: $(LOBBYD)
	$(Q)$(SUITE_ENV) bash tests/e2e/run

# Integration tests on the real stack (Prosody + bridge + lobbyd + WebSocket clients).
integration: $(LOBBYD)
	$(Q)$(SUITE_ENV) bash tests/integration/run

# What Debian 12's bookworm-backports (and Debian 13) carry: Prosody 13.0.1 and libstrophe
# 0.14.0, unpacked into build/backports by tests/stack/backports (the machine's own packages
# stay as they are). suites-backports builds lobbyd against that libstrophe into
# build/strophe-0.14 and runs the unit tests there, then the integration and browser suites
# against that Prosody. On a system whose own Prosody is 13 already (Debian 13) the plain run
# has tested that combination, and this adds nothing.
BACKPORTS = $(CURDIR)/build/backports
backports:
	$(Q)bash tests/stack/backports $(BACKPORTS)
suites-backports:
	$(Q)case "$$(cat /usr/lib/prosody/prosody.version 2>/dev/null)" in \
	  13.*) echo "check: the system's Prosody is 13; the suites above ran against it" ;; \
	  *) $(MAKE) --no-print-directory backports && \
	     PKG_CONFIG_PATH=$(BACKPORTS)/pkgconfig $(MAKE) --no-print-directory BUILD=build/strophe-0.14 \
	         LDFLAGS="$(LDFLAGS) -Wl,-rpath,$(BACKPORTS)/root/usr/lib/x86_64-linux-gnu" \
	         PROSODY=$(BACKPORTS)/bin/prosody RESULTS=$(abspath build/test-results)/backports \
	         test integration e2e ;; \
	esac

# Everything CI runs: lint, unit tests, the docker-jitsi-meet check, the Debian package (built,
# unpacked, checked, lintian, then its own files on the real stack), the integration and browser suites against the system's Prosody
# and libstrophe, all three again against bookworm-backports' Prosody 13 and libstrophe 0.14,
# then the unit and integration suites under ASan/UBSan (system Prosody). The last line sums the
# plain runs: "check: N passed, N failed".
check:
	$(Q)rm -rf $(BUILD)/test-results
	$(Q)$(MAKE) --no-print-directory lint
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory docker-check
	$(Q)$(MAKE) --no-print-directory deb-check
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory e2e
	$(Q)$(MAKE) --no-print-directory deb-stack
	$(Q)$(MAKE) --no-print-directory suites-backports
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)bash tests/summary $(BUILD)/test-results

lint:
	$(Q)bash tests/lint

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Sanitizer reports of every process (unit tests and the daemon under the
# integration tests) go to files; any file there fails the target.
SAN_REPORTS = $(CURDIR)/build/asan/reports
asan:
	$(Q)rm -rf $(SAN_REPORTS) && mkdir -p $(SAN_REPORTS)
	$(Q)ASAN_OPTIONS=detect_leaks=1:log_path=$(SAN_REPORTS)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_REPORTS)/ubsan \
	    $(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
	    test integration
	$(Q)if [ -n "$$(ls -A $(SAN_REPORTS))" ]; then cat $(SAN_REPORTS)/*; \
	    echo "asan: sanitizer reports found (above)"; exit 1; fi
	@echo "asan: no sanitizer reports"

valgrind: $(UNIT_BINS)
	$(Q)VALGRIND=1 bash tests/run-unit $(UNIT_BINS)

FUZZ_SECONDS ?= 60
fuzz:
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run

bench: $(LOBBYD)
	$(Q)LOBBYD=$(abspath $(LOBBYD)) bash tests/bench/run

STACK_DIR ?= $(CURDIR)/build/stack
PORT_BASE ?= 15200
stack: $(LOBBYD)
	$(Q)LOBBYD=$(abspath $(LOBBYD)) $(if $(PROSODY),PROSODY=$(abspath $(PROSODY))) \
	    bash tests/stack/stack-up "$(STACK_DIR)" "$(PORT_BASE)"
stack-down:
	$(Q)bash tests/stack/stack-down "$(STACK_DIR)"

demo: $(LOBBYD)
	$(Q)LOBBYD=$(abspath $(LOBBYD)) $(if $(PROSODY),PROSODY=$(abspath $(PROSODY))) \
	    bash tests/stack/demo "$(STACK_DIR)" "$(PORT_BASE)"

install: $(LOBBYD)
	install -D -m 0755 $(LOBBYD) $(DESTDIR)$(BINDIR)/lobbyd
	install -D -m 0644 prosody-config/mod_lobbyd_bridge.lua $(DESTDIR)$(PROSODY_MODDIR)/mod_lobbyd_bridge.lua
	install -D -m 0644 prosody-config/lobbyd_bridge_gate.lib.lua $(DESTDIR)$(PROSODY_MODDIR)/lobbyd_bridge_gate.lib.lua
	install -D -m 0644 prosody-config/lobbyd_bridge_room.lib.lua $(DESTDIR)$(PROSODY_MODDIR)/lobbyd_bridge_room.lib.lua
	install -D -m 0644 prosody-config/lobbyd_bridge_iq.lib.lua $(DESTDIR)$(PROSODY_MODDIR)/lobbyd_bridge_iq.lib.lua
	mkdir -p $(DESTDIR)$(PROSODY_SNIPPETDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	# The snippet's header names the directory the module is installed in.
	sed 's|/usr/local/lib/lobbyd/prosody-modules|$(PROSODY_MODDIR)|g' prosody-config/lobbyd.cfg.lua \
	    > $(DESTDIR)$(PROSODY_SNIPPETDIR)/lobbyd.cfg.lua
	chmod 0644 $(DESTDIR)$(PROSODY_SNIPPETDIR)/lobbyd.cfg.lua
	install -D -m 0644 component/lobbyd.conf.example $(DESTDIR)$(SYSCONFDIR)/lobbyd/lobbyd.conf.example
	sed 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' component/lobbyd.service \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/lobbyd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/lobbyd.service
	install -D -m 0644 docs/lobbyd.8 $(DESTDIR)$(MANDIR)/man8/lobbyd.8
	install -D -m 0644 docs/lobbyd.conf.5 $(DESTDIR)$(MANDIR)/man5/lobbyd.conf.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lobbyd $(DESTDIR)$(PROSODY_MODDIR)/mod_lobbyd_bridge.lua \
	      $(DESTDIR)$(PROSODY_MODDIR)/lobbyd_bridge_gate.lib.lua \
	      $(DESTDIR)$(PROSODY_MODDIR)/lobbyd_bridge_room.lib.lua \
	      $(DESTDIR)$(PROSODY_MODDIR)/lobbyd_bridge_iq.lib.lua \
	      $(DESTDIR)$(PROSODY_SNIPPETDIR)/lobbyd.cfg.lua $(DESTDIR)$(SYSCONFDIR)/lobbyd/lobbyd.conf.example \
	      $(DESTDIR)$(SYSTEMDUNITDIR)/lobbyd.service \
	      $(DESTDIR)$(MANDIR)/man8/lobbyd.8 $(DESTDIR)$(MANDIR)/man5/lobbyd.conf.5

# The Debian package, built by Debian's own tools (debhelper) from packaging/debian/ on a copy
# of the tree in build/deb/lobbyd-VERSION: build/deb/lobbyd_VERSION-1_ARCH.deb. The package's
# version is packaging/debian/changelog's, which must match lobbyd --version.
VERSION := $(shell sed -n 's/^\#define LOBBYD_VERSION "\(.*\)"/\1/p' component/main.c)
DEB_DIR  = build/deb
deb:
	$(Q)v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version) && [ "$${v%-*}" = "$(VERSION)" ] || \
	    { echo "deb: packaging/debian/changelog is at $$v, lobbyd at $(VERSION): add a changelog entry"; exit 1; }
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/lobbyd-$(VERSION)
	$(Q)tar -c --exclude=./build --exclude=./.git --exclude=./packaging --exclude=node_modules . | \
	    tar -x -C $(DEB_DIR)/lobbyd-$(VERSION)
	$(Q)cp -r packaging/debian $(DEB_DIR)/lobbyd-$(VERSION)/debian
	$(Q)cd $(DEB_DIR)/lobbyd-$(VERSION) && dpkg-buildpackage -b -us -uc -jauto
	@ls $(DEB_DIR)/*.deb

# Builds the package and checks it as an operator would get it (tests/deb-check).
deb-check:
	$(Q)RESULTS_DIR=$(RESULTS) bash tests/deb-check

# The built package at work on the real stack: its own lobbyd, bridge and snippet, unpacked
# into a scratch root, under the integration tests of an operator's first hour (joins, lobby,
# metrics, audit, webhook, admin commands), against the system's Prosody and, where it is not
# 13 already, bookworm-backports' Prosody 13.
deb-stack:
	$(Q)RESULTS_DIR=$(RESULTS) bash tests/deb-stack package
	$(Q)case "$$(cat /usr/lib/prosody/prosody.version 2>/dev/null)" in 13.*) ;; *) \
	    $(MAKE) --no-print-directory backports && \
	    PROSODY=$(BACKPORTS)/bin/prosody RESULTS_DIR=$(RESULTS) bash tests/deb-stack package-13 ;; esac

clean:
	rm -rf build

-include $(shell find $(BUILD) -name backports -prune -o -path $(BUILD)/deb -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- token fuzz/bench targets ----
# fuzz-token: tests/fuzz/fuzz_token.c built with clang -fsanitize=fuzzer,address,undefined
# into $(BUILD)/fuzz/ and run for $(FUZZ_SECONDS) on tests/fuzz/corpus/token/ (new inputs
# go to $(BUILD)/fuzz/corpus/token/, crashes to $(BUILD)/fuzz/crashes/token/).
# bench-token: token verifications/s for HS256, RS256, ES256 next to raw OpenSSL figures
# and `openssl speed`, all measured in the same run. Never fails on speed.
TOKEN_FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BENCH_SECONDS ?= 2
.PHONY: fuzz-token bench-token
$(BUILD)/fuzz/fuzz_token: tests/fuzz/fuzz_token.c tests/unit/jwt/jwt_fixture.h $(JWT_SRC) $(wildcard jwt/*.h)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=clang \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(TOKEN_FUZZ_SAN)" $(BUILD)/fuzz/libtoken.a
	$(call say,FUZZ,$@)
	$(Q)clang $(LOBBYD_CFLAGS) -O1 -g -fsanitize=fuzzer $(TOKEN_FUZZ_SAN) -o $@ $< \
	    $(BUILD)/fuzz/libtoken.a $(PKG_LIBS)
fuzz-token: $(BUILD)/fuzz/fuzz_token
	@mkdir -p $(BUILD)/fuzz/corpus/token $(BUILD)/fuzz/crashes/token
	$(Q)ASAN_OPTIONS=detect_leaks=1 $(BUILD)/fuzz/fuzz_token -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=20000 -timeout=10 -artifact_prefix=$(BUILD)/fuzz/crashes/token/ \
	    $(BUILD)/fuzz/corpus/token tests/fuzz/corpus/token
$(BUILD)/bench/bench_token: $(call obj,tests/bench/bench_token.c) $(LIBTOKEN)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
bench-token: $(BUILD)/bench/bench_token
	$(Q)BENCH_SECONDS=$(BENCH_SECONDS) $(BUILD)/bench/bench_token
	@echo "openssl speed (same machine, same run):"
	$(Q)openssl speed -seconds 3 rsa2048 ecdsap256 2>/dev/null | grep -E '^ *(sign|rsa|256 bits)'
	$(Q)openssl speed -seconds 3 -hmac sha256 2>/dev/null | grep -E '^(type|hmac)'

# ---- bench targets ----
# The join-path benchmark (tests/bench/run, `make bench`): bench_load drives Prosody over c2s
# with many libstrophe client connections; bench_feed stands in for Prosody on lobbyd's
# component socket. Built with the project's flags; never part of `make test`.
BENCH_BINS = $(BUILD)/bench/bench_load $(BUILD)/bench/bench_feed $(BUILD)/bench/bench_token \
             $(BUILD)/bench/bench_ws
$(BUILD)/bench/bench_load: $(call obj,tests/bench/bench_load.c tests/bench/benchutil.c)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/bench/bench_ws: $(call obj,tests/bench/bench_ws.c tests/bench/benchutil.c)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^
$(BUILD)/bench/bench_feed: $(call obj,tests/bench/bench_feed.c tests/bench/benchutil.c)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
bench: $(BENCH_BINS)
