// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test bed runs our KVM: the loaded kvm_hv is the module we built, and
 * /dev/kvm reports the capabilities that the emulated hosts are known to
 * have (pseries with cap-nested-hv, powernv9).
 *
 * Environment (set by the test bed's init):
 *   PTW_KVM_HV_BUILD_ID    GNU build ID (hex) of the kvm-hv.ko we built
 *   PTW_MACHINE            pseries or powernv9
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "../../kselftest.h"
#include "ppc_pci_util.h"

#define BUILD_ID_NOTE	"/sys/module/kvm_hv/notes/.note.gnu.build-id"
#define NT_GNU_BUILD_ID	3

/* The descriptor of the module's GNU build-id note, in hex */
static int loaded_build_id(char *hex, size_t len)
{
	u8 note[256];
	u32 namesz, descsz, type, off, i;
	ssize_t n;
	int fd;

	fd = open(BUILD_ID_NOTE, O_RDONLY);
	if (fd < 0)
		return ppc_set_err(errno, "open " BUILD_ID_NOTE);
	n = read(fd, note, sizeof(note));
	close(fd);
	if (n < 12)
		return ppc_set_err(EINVAL, "short read of " BUILD_ID_NOTE);
	memcpy(&namesz, note, 4);
	memcpy(&descsz, note + 4, 4);
	memcpy(&type, note + 8, 4);
	off = 12 + ((namesz + 3) & ~3U);
	if (type != NT_GNU_BUILD_ID || off + descsz > n ||
	    2 * descsz + 1 > len)
		return ppc_set_err(EINVAL, "unexpected note in " BUILD_ID_NOTE);
	for (i = 0; i < descsz; i++)
		sprintf(hex + 2 * i, "%02x", note[off + i]);
	return 0;
}

static void test_build_id(void)
{
	const char *want = getenv("PTW_KVM_HV_BUILD_ID");
	char have[128];

	if (!want || !*want) {
		ksft_test_result_skip("kvm_hv build id: PTW_KVM_HV_BUILD_ID not set\n");
		return;
	}
	if (loaded_build_id(have, sizeof(have))) {
		ksft_test_result_fail("kvm_hv build id: %s\n", ppc_errmsg());
		return;
	}
	ksft_print_msg("kvm_hv build id: loaded %s, expected %s\n", have, want);
	ksft_test_result(!strcasecmp(have, want),
			 "loaded kvm_hv is ours (build id)\n");
}

struct cap_check {
	const char *name;
	long cap;
	int pseries;		/* expected value, -1: not checked */
	int powernv9;
};

static const struct cap_check caps[] = {
	{ "KVM_CAP_PPC_MMU_RADIX", KVM_CAP_PPC_MMU_RADIX, 1, 1 },
	{ "KVM_CAP_PPC_NESTED_HV", KVM_CAP_PPC_NESTED_HV, 1, 1 },
	{ "KVM_CAP_IRQ_XICS", KVM_CAP_IRQ_XICS, 1, 1 },
	{ "KVM_CAP_PPC_IRQ_XIVE", KVM_CAP_PPC_IRQ_XIVE, 0, 1 },
	{ "KVM_CAP_PPC_MMU_HASH_V3", KVM_CAP_PPC_MMU_HASH_V3, 0, 0 },
	{ "KVM_CAP_PPC_PAPR", KVM_CAP_PPC_PAPR, 1, 1 },
	{ "KVM_CAP_IOEVENTFD", KVM_CAP_IOEVENTFD, 1, 1 },
	{ "KVM_CAP_IRQ_ROUTING", KVM_CAP_IRQ_ROUTING, 0, 0 },
};

static void test_caps(int kvm_fd, const char *machine)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		const struct cap_check *c = &caps[i];
		int want, have;

		if (kvm_fd < 0) {
			ksft_test_result_skip("%s: /dev/kvm did not open\n",
					      c->name);
			continue;
		}
		have = ppc_check_cap(kvm_fd, c->cap);
		ksft_print_msg("%s = %d\n", c->name, have);
		if (!machine) {
			/* The first three are the same on both hosts */
			if (c->pseries != c->powernv9) {
				ksft_test_result_skip("%s: PTW_MACHINE not set\n",
						      c->name);
				continue;
			}
			want = c->pseries;
		} else {
			want = !strcmp(machine, "powernv9") ? c->powernv9 :
			       c->pseries;
		}
		ksft_test_result(have == want, "%s is %d\n", c->name, want);
	}
}

static void test_create_vm(int kvm_fd)
{
	int vm, radix;

	if (kvm_fd < 0) {
		ksft_test_result_skip("KVM_CREATE_VM: /dev/kvm did not open\n");
		ksft_test_result_skip("KVM_CREATE_VM PR: /dev/kvm did not open\n");
		return;
	}
	vm = ioctl(kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm < 0) {
		ksft_test_result_fail("KVM_CREATE_VM(KVM_VM_PPC_HV): %s\n",
				      strerror(errno));
	} else {
		/* An HV VM on a radix host starts out radix */
		radix = ppc_check_cap(vm, KVM_CAP_PPC_MMU_RADIX);
		ksft_test_result(radix == 1,
				 "KVM_CREATE_VM(KVM_VM_PPC_HV) gives a radix-capable VM (%d)\n",
				 radix);
		close(vm);
	}
	/* kvm-pr is not built: type 2 (KVM_VM_PPC_PR) must be refused */
	vm = ioctl(kvm_fd, KVM_CREATE_VM, 2);
	ksft_test_result(vm < 0, "KVM_CREATE_VM(KVM_VM_PPC_PR) is refused (%s)\n",
			 vm < 0 ? strerror(errno) : "created");
	if (vm >= 0)
		close(vm);
}

int main(void)
{
	const char *machine = getenv("PTW_MACHINE");
	int kvm_fd, api;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (machine && strcmp(machine, "pseries") && strcmp(machine, "powernv9"))
		machine = NULL;

	ksft_print_header();
	ksft_set_plan(4 + ARRAY_SIZE(caps));
	ksft_print_msg("PTW_MACHINE=%s\n", machine ? machine : "(unset)");

	test_build_id();

	kvm_fd = ppc_kvm_open();
	if (kvm_fd < 0) {
		ksft_test_result_fail("/dev/kvm: %s\n", ppc_errmsg());
	} else {
		api = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
		ksft_test_result(api == KVM_API_VERSION,
				 "/dev/kvm opens, API version %d\n", api);
	}
	test_caps(kvm_fd, machine);
	test_create_vm(kvm_fd);
	if (kvm_fd >= 0)
		close(kvm_fd);
	ksft_finished();
}
