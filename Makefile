# The one entry point: `make run` starts the site, `make test` runs every test.
# Both install the Debian packages they lack first (tools/deps.sh).

CXX      ?= g++
SANITIZE ?=
# -O1 with the sanitizers, as ASan's documentation advises (and it compiles
# the unit tests 2.4 times faster than -O2 -g: 13 s against 32 s a file).
ifeq ($(SANITIZE),)
CXXFLAGS ?= -O2 -g
else
CXXFLAGS ?= -O1 -g1
endif
CXXFLAGS += -std=c++17 -Wall -Wextra -Wno-unused-parameter -MMD -MP -Ilib -I$(BUILD)/gen
LDLIBS    = -lfcgi -lcgicc -lmysqlcppconn -lctemplate -lzip -lexpat -lcrypto -lpthread

# SANITIZE=address,undefined (or any -fsanitize= list) builds everything with
# those sanitizers; `make test SANITIZE=...` then runs every test through the
# real servers with them and counts each report as a failure
# (tools/run-tests.sh). The objects are built again whenever the flags change.
ifneq ($(SANITIZE),)
CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

BUILD    := build
LIB_SRCS := $(wildcard lib/*.cc)
LIB_OBJS := $(LIB_SRCS:%.cc=$(BUILD)/%.o)
LIB      := $(BUILD)/libsite.a
PROGRAMS := $(patsubst cgi-bin/%.cc,$(BUILD)/cgi-bin/%,$(wildcard cgi-bin/*.cc))
TOOLS    := $(BUILD)/siteadmin
UNIT_SRCS := $(wildcard tests/unit/*_test.cc)
UNIT_OBJS := $(UNIT_SRCS:%.cc=$(BUILD)/%.o)
UNIT_BIN  := $(BUILD)/tests/unit_tests

.PHONY: all run test unit bench fuzz deps test-deps install uninstall clean FORCE
# Keep the object files between builds (a program's .o is otherwise an
# intermediate file that make deletes, and the next build compiles again).
.SECONDARY:
all: $(PROGRAMS) $(TOOLS)

# The compiler and its flags: rewritten when they change (a sanitizer build
# after a plain one), which builds every object again.
$(BUILD)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CXX) $(CXXFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CXX) $(CXXFLAGS) $(LDFLAGS)' > $@

$(BUILD)/%.o: %.cc $(BUILD)/flags
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@

# The route table, compiled in: each program's paths (lib/routes.cc).
$(BUILD)/gen/routes.inc: cgi-bin/routes tools/routes.sh
	@mkdir -p $(@D)
	tools/routes.sh cxx $< > $@.new && mv $@.new $@
$(BUILD)/lib/routes.o: $(BUILD)/gen/routes.inc

# Made afresh, and again when a source is added or removed (the member
# list changes): `ar rcs` into an old archive keeps the objects of sources
# deleted since, whose symbols then clash with their new homes.
$(BUILD)/lib/members: FORCE
	@mkdir -p $(@D)
	@echo '$(LIB_OBJS)' | cmp -s - $@ || echo '$(LIB_OBJS)' > $@
$(LIB): $(LIB_OBJS) $(BUILD)/lib/members
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)
FORCE:

$(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/siteadmin: $(BUILD)/tools/siteadmin.o $(LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# make bench's responders (tests/bench/): the bare no-op, the no-op plus one
# primary-key SELECT through lib/db, and the store-only upload.
BENCH_BINS := $(BUILD)/bench/noop $(BUILD)/bench/noop_select $(BUILD)/bench/store
$(BUILD)/bench/noop $(BUILD)/bench/store: $(BUILD)/bench/%: $(BUILD)/tests/bench/%.o
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ -lfcgi
$(BUILD)/bench/noop_select: $(BUILD)/tests/bench/noop_select.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_BIN): $(UNIT_OBJS) $(LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lboost_unit_test_framework

deps:
	@tools/deps.sh run

test-deps:
	@tools/deps.sh test

# Installs what is missing, builds, starts MariaDB + Apache on 127.0.0.1:$(PORT).
PORT ?= 8080
run: deps
	@$(MAKE) --no-print-directory -j$(shell nproc) all
	@tools/stack.sh run $(PORT)

test: test-deps
	@$(MAKE) --no-print-directory -j$(shell nproc) all $(UNIT_BIN)
	@SANITIZE="$(SANITIZE)" tools/run-tests.sh

# The unit tests that need no server (no MariaDB), in seconds; `make test`
# runs them all, with a private MariaDB for the others.
unit:
	@tools/deps.sh unit
	@$(MAKE) --no-print-directory -j$(shell nproc) $(UNIT_BIN)
	@$(UNIT_BIN) --run_test='!@db' --report_level=short --log_level=error

# Puts the site where a Debian host expects it (tools/install.sh lists every
# path): programs under $(PREFIX)/lib/admin-site, the tools in $(PREFIX)/sbin,
# templates and schema in $(PREFIX)/share/admin-site, the one config file in
# $(SYSCONFDIR)/admin-site (written once), the Apache and lighttpd site files
# rendered for SERVER_NAME. DESTDIR stages the whole tree elsewhere.
# SERVER_NAME, LISTEN, HTTPS_LISTEN, CERT_FILE, KEY_FILE and TRUSTED_PROXIES
# (load balancers' addresses; "none" clears them) and WWW_SERVER_NAME (a host
# name of their own for collection files; "none" clears it) are remembered
# in $(SYSCONFDIR)/admin-site/install.conf: a later `make install` (an
# upgrade) reuses them unless given again.
PREFIX        ?= /usr/local
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR   ?= /run
install: all
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" \
	  LOCALSTATEDIR="$(LOCALSTATEDIR)" RUNSTATEDIR="$(RUNSTATEDIR)" SERVER_NAME="$(SERVER_NAME)" \
	  LISTEN="$(LISTEN)" HTTPS_LISTEN="$(HTTPS_LISTEN)" CERT_FILE="$(CERT_FILE)" \
	  KEY_FILE="$(KEY_FILE)" TRUSTED_PROXIES="$(TRUSTED_PROXIES)" \
	  WWW_SERVER_NAME="$(WWW_SERVER_NAME)" tools/install.sh

# Removes what install put, except the config and the collection files.
uninstall:
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" \
	  LOCALSTATEDIR="$(LOCALSTATEDIR)" tools/install.sh uninstall

# /tokenInfo against a no-op and a no-op + SELECT under Apache and lighttpd
# (req/s, p50, p99 at 4/16/64 connections), collection installs against
# unzip and a store-only upload, and a perf profile (tools/bench.sh).
bench: test-deps
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory -j$(shell nproc) all $(BENCH_BINS)
	@tools/bench.sh

# libFuzzer targets (clang): the multipart reader, the entry-name check, the
# manifest reader, the Authorization header parser and the archive reader
# (raw directory checks and libzip), each run for FUZZ_SECONDS from its seed
# corpus (and tests/fuzz/NAME.dict when there is one). FUZZ_CPU_SECONDS=N
# runs each at idle priority until it has used N seconds of CPU instead.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Ilib
FUZZERS := multipart safe_path manifest authorization archive
$(BUILD)/fuzz/multipart_fuzz: tests/fuzz/multipart_fuzz.cc lib/multipart.cc lib/transfer_decoder.cc lib/text.cc lib/status.cc
$(BUILD)/fuzz/safe_path_fuzz: tests/fuzz/safe_path_fuzz.cc lib/safe_path.cc lib/text.cc lib/status.cc
$(BUILD)/fuzz/manifest_fuzz: tests/fuzz/manifest_fuzz.cc lib/collection_manifest.cc lib/safe_path.cc lib/text.cc lib/status.cc
$(BUILD)/fuzz/authorization_fuzz: tests/fuzz/authorization_fuzz.cc lib/bearer_token.cc lib/crypto.cc lib/log.cc lib/text.cc lib/status.cc
$(BUILD)/fuzz/archive_fuzz: tests/fuzz/archive_fuzz.cc lib/collection_archive.cc lib/collection_manifest.cc lib/safe_path.cc lib/text.cc lib/status.cc
$(BUILD)/fuzz/%_fuzz:
	@mkdir -p $(@D)
	clang++ $(FUZZ_FLAGS) -o $@ $^ $(if $(findstring manifest,$@)$(findstring archive,$@),-lexpat) $(if $(findstring multipart,$@)$(findstring authorization,$@),-lcrypto) $(if $(findstring archive,$@),-lzip)

fuzz:
	@tools/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZERS:%=$(BUILD)/fuzz/%_fuzz)
	@for f in $(FUZZERS); do \
	  tools/fuzz.sh $$f $(BUILD) $(if $(FUZZ_CPU_SECONDS),cpu $(FUZZ_CPU_SECONDS),wall $(FUZZ_SECONDS)) || exit 1; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
