// SPDX-License-Identifier: GPL-2.0-only
/* Temporary smoke test of the MSI-X trap; replaced by msix_*. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
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

static int dev_attr(int fd, int set, u32 group, u64 attr, void *p)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (unsigned long)p };

	return ioctl(fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, &a);
}

int main(void)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_PPC_PT_WINDOW };
	struct kvm_ppc_pt_window_stats st = { 0 };
	struct kvm_ppc_pt_window win = { 0 };
	struct ppc_access acc[8] = { 0 };
	u64 g = 0x80003000;
	char bdf[PPC_PCI_BDF_LEN];
	struct ppc_pci_bar bar;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int r, i, exits = 0, efd;
	u16 ctrl;
	s32 fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(1);
	if (ppc_pci_find(0x1af4, 0x1000, bdf, sizeof(bdf)) &&
	    ppc_pci_find(0x1af4, 0x1041, bdf, sizeof(bdf)))
		ksft_exit_fail_msg("virtio-net: %s\n", ppc_errmsg());
	if (ppc_pci_enable(bdf) || ppc_pci_map_bar(bdf, 1, &bar))
		ksft_exit_fail_msg("virtio-net BAR1: %s\n", ppc_errmsg());
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ioctl(vm->fd, KVM_CREATE_DEVICE, &cd);
	win.guest_addr = g;
	win.size = bar.size;
	win.host_uaddr = (unsigned long)bar.map + bar.offset;
	win.msix_table_offset = 0;
	win.msix_pba_offset = 0x800;
	win.msix_nvec = 3;
	r = dev_attr(cd.fd, 1, KVM_DEV_PPC_PTW_GRP_CTRL, KVM_DEV_PPC_PTW_ADD, &win);
	ksft_print_msg("add %d id %u (bar 0x%llx size 0x%llx)\n", r, win.id,
		       (unsigned long long)bar.start, (unsigned long long)bar.size);
	ctrl = 0x8000;
	r = dev_attr(cd.fd, 1, KVM_DEV_PPC_PTW_GRP_MSIX_CTRL, win.id, &ctrl);
	ksft_print_msg("ctrl %d\n", r);
	efd = eventfd(0, 0);
	fd = efd;
	r = dev_attr(cd.fd, 1, KVM_DEV_PPC_PTW_GRP_MSIX_IRQ, win.id << 16 | 1, &fd);
	ksft_print_msg("irq %d\n", r);
	eventfd_write(efd, 1);
	acc[0] = (struct ppc_access){ .gpa = g + 16, .size = 4, .write = true, .val = 0x12345678 };
	acc[1] = (struct ppc_access){ .gpa = g + 16, .size = 4 };
	acc[2] = (struct ppc_access){ .gpa = g + 28, .size = 4 };
	acc[3] = (struct ppc_access){ .gpa = g + 0x800, .size = 8 };
	acc[4] = (struct ppc_access){ .gpa = g + 17, .size = 1 };
	acc[5] = (struct ppc_access){ .gpa = g + 0x100, .size = 4 };
	acc[6] = (struct ppc_access){ .gpa = g + 0x1000 - 0x1000 + 8, .size = 8 };
	acc[7] = (struct ppc_access){ .gpa = 0x80002000, .size = 4 };
	r = ppc_guest_run_accesses(vcpu, acc, 8, mmio_cb, &exits);
	ksft_print_msg("run %d %s\n", r, r ? ppc_errmsg() : "");
	for (i = 0; i < 8; i++)
		ksft_print_msg("acc %d: %s 0x%llx -> 0x%llx\n", i,
			       acc[i].write ? "w" : "r",
			       (unsigned long long)acc[i].gpa,
			       (unsigned long long)acc[i].val);
	r = dev_attr(cd.fd, 0, KVM_DEV_PPC_PTW_GRP_STATS, KVM_DEV_PPC_PTW_STATS, &st);
	ksft_print_msg("stats %d faults %llu traps %llu table %llu invalid %llu passthrough %llu pending %llu exits %d\n",
		       r, st.faults, st.msix_traps, st.msix_table_accesses,
		       st.msix_invalid_accesses, st.msix_passthrough,
		       st.msix_pending, exits);
	ksft_test_result(acc[1].val == 0x12345678 && acc[3].val == 2 &&
			 acc[2].val == 1 && acc[4].val == 0xff && exits == 1,
			 "smoke\n");
	ppc_vm_free(vm);
	ksft_finished();
}
