// SPDX-License-Identifier: GPL-2.0-only
/* Temporary smoke test of the window device; replaced by subpage_bar_*. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/kvm_ppc_pt_window.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_pci_util.h"

static int mmio_cb(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	int *n = opaque;

	(*n)++;
	ksft_print_msg("mmio exit %s 0x%llx len %u\n",
		       run->mmio.is_write ? "store" : "load",
		       (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	memset(run->mmio.data, 0x5a, sizeof(run->mmio.data));
	return 0;
}

int main(void)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_PPC_PT_WINDOW };
	struct kvm_ppc_pt_window_stats st = { 0 };
	struct kvm_ppc_pt_window win = { 0 };
	struct kvm_device_attr attr = { 0 };
	struct ppc_access acc[4] = { 0 };
	char bdf[PPC_PCI_BDF_LEN];
	struct ppc_pci_bar bar;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int r, i, exits = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(1);
	if (ppc_pci_find(0x1b36, 0x0005, bdf, sizeof(bdf)) ||
	    ppc_pci_enable(bdf) || ppc_pci_map_bar(bdf, 0, &bar))
		ksft_exit_fail_msg("pci-testdev: %s\n", ppc_errmsg());
	ppc_mmio_write(ppc_pci_bar_ptr(&bar, 0), 1, 0);
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	ksft_print_msg("cap %d\n", ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
					 KVM_CAP_PPC_PT_WINDOW));
	r = ioctl(vm->fd, KVM_CREATE_DEVICE, &cd);
	ksft_print_msg("create device %d fd %d\n", r, cd.fd);
	win.guest_addr = 0x80002000;
	win.size = bar.size;
	win.host_uaddr = (unsigned long)bar.map + bar.offset;
	attr.group = KVM_DEV_PPC_PTW_GRP_CTRL;
	attr.attr = KVM_DEV_PPC_PTW_ADD;
	attr.addr = (unsigned long)&win;
	r = ioctl(cd.fd, KVM_SET_DEVICE_ATTR, &attr);
	ksft_print_msg("add %d id %u\n", r, win.id);
	for (i = 0; i < 3; i++) {
		acc[i].gpa = 0x80002000 + 16 + 8 * i;
		acc[i].size = 8;
	}
	acc[3].gpa = 0x80001000;
	acc[3].size = 4;
	r = ppc_guest_run_accesses(vcpu, acc, 4, mmio_cb, &exits);
	ksft_print_msg("run %d %s\n", r, r ? ppc_errmsg() : "");
	for (i = 0; i < 4; i++)
		ksft_print_msg("acc %d: 0x%llx host 0x%llx\n", i,
			       (unsigned long long)acc[i].val,
			       (unsigned long long)(i < 3 ? ppc_mmio_read(ppc_pci_bar_ptr(&bar, 16 + 8 * i), 8) : 0));
	attr.group = KVM_DEV_PPC_PTW_GRP_STATS;
	attr.attr = KVM_DEV_PPC_PTW_STATS;
	attr.addr = (unsigned long)&st;
	r = ioctl(cd.fd, KVM_GET_DEVICE_ATTR, &attr);
	ksft_print_msg("stats %d faults %llu maps_4k %llu exits %llu mmio exits %d\n",
		       r, st.faults, st.maps_4k, st.vmm_exits, exits);
	ksft_test_result(acc[0].val == ppc_mmio_read(ppc_pci_bar_ptr(&bar, 16), 8) && exits == 1,
			 "smoke\n");
	ppc_vm_free(vm);
	ksft_finished();
}
