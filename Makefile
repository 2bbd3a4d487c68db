# SPDX-License-Identifier: GPL-2.0
#
# Sub-page BAR IO windows and MSI-X table trap for KVM book3s HV.
#
#   make check   everything: harness, lint, kernel modules, selftests in
#                the emulated POWER hosts, for each kernel of KERNELS;
#                one summary line per layer
#   make run     boot the emulated host and run the demo
#   make bench   the benchmarks, one line each
#   make qemu    our QEMU for ppc64el (Debian 12's 7.2 + patches/qemu/),
#                cached outside the clone
#   make e2e     a Linux guest of that QEMU in the emulated powernv9 host,
#                pci-testdev and e1000e passed through (also in make run)
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

# The QEMU the POWER hosts run in (TCG, for this machine) with the fixes
# of patches/qemu-emulator/, cached outside the clone, linked as
# build/emulator.
emulator:
	bash scripts/build-emulator.sh

# The demo and the benchmarks boot the newest kernel of KERNELS; so does
# the end-to-end run, where VFIO works (6.12).
NEWEST		:= $(lastword $(KERNELS))
run: emulator
	$(MAKE) --no-print-directory KSERIES=$(NEWEST) selftests
	KSERIES=$(NEWEST) B=$(TOP)/build/$(NEWEST) bash scripts/run-qemu.sh pseries run
	@if [ "$(NEWEST)" != 6.1 ]; then $(MAKE) --no-print-directory e2e; fi

# Our QEMU, cross-built for ppc64el and cached outside the clone
# (/var/cache/kvm-pt), linked as build/<newest kernel>/qemu.
qemu:
	KSERIES=$(NEWEST) B=$(TOP)/build/$(NEWEST) bash scripts/build-qemu.sh

# A Linux guest of our QEMU inside the emulated powernv9 host, with
# pci-testdev and e1000e passed through (6.12: 6.1's VFIO binds nothing).
e2e: qemu emulator
	$(MAKE) --no-print-directory KSERIES=$(NEWEST) modules
	KSERIES=$(NEWEST) B=$(TOP)/build/$(NEWEST) bash scripts/run-qemu.sh powernv9-l0 e2e

bench: emulator
	$(MAKE) --no-print-directory KSERIES=$(NEWEST) selftests
	KSERIES=$(NEWEST) B=$(TOP)/build/$(NEWEST) bash scripts/bench.sh

fuzz:
	$(MAKE) -s -C tools/testing/kvm_pt fuzz

soak:
	$(MAKE) -s -C tools/testing/kvm_pt soak

clean:
	rm -rf build/harness build/logs build/qemu-work build/emulator-work $(foreach k,$(KERNELS),$(addprefix \
		build/$(k)/,selftests lint logs modules modules-debug debug e2e qemu))

distclean:
	rm -rf build

.PHONY: all fetch modules uapi selftests harness lint check run bench fuzz emulator \
	soak clean distclean debug-kernel qemu e2e
