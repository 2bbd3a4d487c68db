# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer target for virt/kvm/msix_emul.c (the MSI-X table and PBA
# emulator). Included from this directory's Makefile; also usable alone:
#   make -C tools/testing/kvm_pt -f fuzz.mk fuzz-smoke
#
#   fuzz-build  build $(O)/fuzz_msix_emul (clang, libFuzzer + ASan + UBSan)
#   fuzz-smoke  bounded run ($(FUZZ_SMOKE_TIME) s); non-zero exit on a crash
#   fuzz        longer run ($(FUZZ_TIME) s) that keeps growing the corpus
#
# The corpus lives in $(O)/fuzz_msix_emul.corpus and crash reproducers in
# $(O)/fuzz_msix_emul-crash-*; replay one with: $(O)/fuzz_msix_emul FILE

# Keep whatever default goal the including Makefile has.
fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_DIR	:= $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TOP		?= $(abspath $(FUZZ_DIR)/../../..)
O		?= $(TOP)/build/harness
FUZZ_CC		?= clang
# The harness's include order (shim first), with clang's fuzzer runtime.
FUZZ_CFLAGS	:= -O1 -g -std=gnu11 -Wall -Wextra -Werror \
		   -Wno-unused-parameter -Wno-sign-compare \
		   -Wno-missing-field-initializers \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer -pthread \
		   -I$(FUZZ_DIR)/shim -I$(TOP)/include \
		   -I$(TOP)/arch/powerpc/include \
		   -D__KVM_PT_HARNESS__ -MMD -MP
FUZZ_BIN	:= $(O)/fuzz_msix_emul
FUZZ_CORPUS	:= $(O)/fuzz_msix_emul.corpus
FUZZ_SMOKE_TIME	?= 20
FUZZ_TIME	?= 300
FUZZ_ARGS	:= -max_len=4096 -print_final_stats=1 \
		   -artifact_prefix=$(O)/fuzz_msix_emul-

fuzz-build: $(FUZZ_BIN)

$(FUZZ_BIN): $(FUZZ_DIR)/fuzz_msix_emul.c $(FUZZ_DIR)/fuzz.mk
	@mkdir -p $(O)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $<

-include $(FUZZ_BIN).d

# Fixed seed, so a smoke failure reproduces; libFuzzer exits non-zero
# (and leaves a reproducer) on any crash, sanitizer report or leak.
fuzz-smoke: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_CORPUS)
	$(FUZZ_BIN) $(FUZZ_ARGS) -seed=1 -max_total_time=$(FUZZ_SMOKE_TIME) \
		$(FUZZ_CORPUS)

fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_CORPUS)
	$(FUZZ_BIN) $(FUZZ_ARGS) -max_total_time=$(FUZZ_TIME) $(FUZZ_CORPUS)

.PHONY: fuzz-build fuzz-smoke fuzz

.DEFAULT_GOAL := $(fuzz_saved_goal)
