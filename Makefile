# SPDX-License-Identifier: GPL-2.0
#
# Sub-page BAR IO windows and MSI-X table trap for KVM book3s HV.
#
#   make check   everything: harness, lint, kernel modules, selftests in
#                the emulated POWER hosts, for each kernel of KERNELS;
#                one summary line per layer
#   make run     boot the emulated host and run the demo
#   make bench   the benchmarks, one line each
#   make soak    the harness's MMU-walking tests over 1,000,000 random
#                layouts each (minutes; not part of make check)
#   make debug-kernel  the debug host kernel (lockdep, KASAN, ...; cached
#                outside the clone) and our modules for it
#
# KERNELS selects the target kernels (Debian 12's 6.1 and Debian 13's 6.12
# LTS, -64k flavour; both by default); each has its own build/<series>/.
# All downloads and build products live in build/ (git-ignored).

TOP		:= $(CURDIR)

all: selftests
KERNELS		?= 6.1 6.12
MACHINES	?= pseries powernv9 powernv9-hash
export KERNELS MACHINES

# The per-kernel targets run once for each kernel of KERNELS, with
# KSERIES and B (its build directory) set.
PER_KERNEL	:= fetch modules uapi selftests lint debug-kernel
ifndef KSERIES
$(PER_KERNEL):
	@set -e; for k in $(KERNELS); do \
		$(MAKE) --no-print-directory KSERIES=$$k $@; \
	done
else
B		:= $(TOP)/build/$(KSERIES)
export B KSERIES

fetch: $(B)/versions.mk
$(B)/versions.mk: scripts/fetch.sh
	bash scripts/fetch.sh

modules: fetch
	bash scripts/build-kvm.sh

# uapi headers of the overlaid tree (ours included) for the selftests.
uapi: modules
	$(MAKE) -s -C $(B)/linux ARCH=powerpc headers_install \
		INSTALL_HDR_PATH=$(B)/uapi

# Binaries whose source is gone are removed, so they never run.
SELFTESTS_SRC := tools/testing/selftests/kvm/powerpc
selftests: uapi
	$(MAKE) -s -C $(B)/linux/$(SELFTESTS_SRC) \
		OUTPUT=$(B)/selftests KHDR_INCLUDES=$(B)/uapi/include
	@for t in $(B)/selftests/*; do \
		[ -f "$(SELFTESTS_SRC)/$$(basename $$t).c" ] || rm -f "$$t"; \
	done

lint: modules
	bash scripts/lint.sh

debug-kernel: fetch
	bash scripts/build-debug-kernel.sh
endif

harness:
	$(MAKE) -s -C tools/testing/kvm_pt check

check:
	bash scripts/check.sh

# The demo and the benchmarks boot the newest kernel of KERNELS.
NEWEST		:= $(lastword $(KERNELS))
run:
	$(MAKE) --no-print-directory KSERIES=$(NEWEST) selftests
	KSERIES=$(NEWEST) B=$(TOP)/build/$(NEWEST) bash scripts/run-qemu.sh pseries run

bench:
	$(MAKE) --no-print-directory KSERIES=$(NEWEST) selftests
	KSERIES=$(NEWEST) B=$(TOP)/build/$(NEWEST) bash scripts/bench.sh

fuzz:
	$(MAKE) -s -C tools/testing/kvm_pt fuzz

soak:
	$(MAKE) -s -C tools/testing/kvm_pt soak

clean:
	rm -rf build/harness build/logs $(foreach k,$(KERNELS),$(addprefix \
		build/$(k)/,selftests lint logs modules modules-debug debug))

distclean:
	rm -rf build

.PHONY: all fetch modules uapi selftests harness lint check run bench fuzz \
	soak clean distclean debug-kernel
