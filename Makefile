# SPDX-License-Identifier: GPL-2.0
#
# Sub-page BAR IO windows and MSI-X table trap for KVM book3s HV.
#
#   make check   everything: harness, lint, kernel modules, selftests in
#                the emulated POWER hosts; one summary line per layer
#   make run     boot the emulated host and run the demo
#   make bench   the benchmarks, one line each
#   make soak    the harness's MMU-walking tests over 1,000,000 random
#                layouts each (minutes; not part of make check)
#   make debug-kernel  the debug host kernel (lockdep, KASAN, ...; cached
#                outside the clone) and our modules for it
#
# All downloads and build products live in build/ (git-ignored).

B		:= $(CURDIR)/build
MACHINES	?= pseries powernv9 powernv9-hash
export B MACHINES

all: modules selftests

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

harness:
	$(MAKE) -s -C tools/testing/kvm_pt check

lint: modules
	bash scripts/lint.sh

debug-kernel: fetch
	bash scripts/build-debug-kernel.sh

check:
	bash scripts/check.sh

run: selftests
	bash scripts/run-qemu.sh pseries run

bench: selftests
	bash scripts/bench.sh

fuzz:
	$(MAKE) -s -C tools/testing/kvm_pt fuzz

soak:
	$(MAKE) -s -C tools/testing/kvm_pt soak

clean:
	rm -rf $(B)/harness $(B)/selftests $(B)/lint $(B)/logs $(B)/modules \
		$(B)/modules-debug $(B)/debug

distclean:
	rm -rf $(B)

.PHONY: all fetch modules uapi selftests harness lint check run bench fuzz \
	soak clean distclean debug-kernel
