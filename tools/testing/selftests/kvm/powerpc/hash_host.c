// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hash-MMU host (powernv9 booted with disable_radix) offers HPT guests
 * and passthrough windows for them (KVM_CAP_PPC_PT_WINDOW = 1, ADD on a
 * hash VM succeeds; subpage_bar_hpt tests the mappings), and its test bed
 * has the seed's layout.
 */
#include <stdio.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_ptw_util.h"

int main(void)
{
	struct kvm_ppc_pt_window w;
	struct ppc_ptw_bed bed;
	int kvm_fd, radix, hash, cap, dev, r;
	struct ppc_vm *vm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	kvm_fd = ppc_kvm_open();
	if (kvm_fd < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	radix = ppc_check_cap(kvm_fd, KVM_CAP_PPC_MMU_RADIX);
	hash = ppc_check_cap(kvm_fd, KVM_CAP_PPC_MMU_HASH_V3);
	if (radix)
		ksft_exit_skip("a radix host (KVM_CAP_PPC_MMU_RADIX = %d)\n", radix);
	ksft_set_plan(3);

	cap = ppc_check_cap(kvm_fd, KVM_CAP_PPC_PT_WINDOW);
	ksft_print_msg("KVM_CAP_PPC_MMU_RADIX = %d, KVM_CAP_PPC_MMU_HASH_V3 = %d, KVM_CAP_PPC_PT_WINDOW = %d\n",
		       radix, hash, cap);
	ksft_test_result(hash == 1 && cap == 1,
			 "hash host: HPT guests and passthrough windows offered\n");

	if (ppc_ptw_bed_open(&bed))
		ksft_exit_fail_msg("test bed: %s\n", ppc_errmsg());
	ppc_ptw_bed_print(&bed);
	ksft_test_result(bed.testdev.offset == 0x4000 &&
			 sysconf(_SC_PAGESIZE) == 0x10000,
			 "hash host test bed: pci-testdev BAR0 at +0x4000 of a 64K page\n");

	vm = ppc_vm_create(KVM_VM_PPC_HV);
	if (!vm)
		ksft_exit_fail_msg("HV VM: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	w = ppc_ptw_window(&bed.testdev, 0, bed.testdev.size, 0x80002000ULL);
	r = dev < 0 ? dev : ppc_ptw_add(dev, &w);
	ksft_print_msg("window device %d, ADD on the hash VM: %d\n", dev, r);
	ksft_test_result(dev >= 0 && !r && w.id == 0,
			 "ADD on a hash VM: id 0\n");
	if (dev >= 0)
		close(dev);
	ppc_vm_free(vm);
	ppc_ptw_bed_close(&bed);
	close(kvm_fd);
	ksft_finished();
}
