// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X of a device owned through VFIO, into the trap: e1000e is bound to
 * vfio-pci; its 16K MSI-X BAR (BAR3, table at 0, PBA at 0x2000), which
 * shares a 64K host page and so has no VFIO mmap, is a window named
 * through VFIO (ADD_VFIO); VFIO_DEVICE_SET_IRQS gives the device's host
 * vectors eventfds, and the same eventfds are the window's vectors
 * (GRP_MSIX_IRQ), as QEMU's vfio-pci would hand them over. The guest
 * programs the trapped table (message = the VM's MSI window + one of its
 * XICS sources) and polls H_XIRR. Then the *device* raises the interrupt:
 * the test writes e1000e's Interrupt Cause Set register through VFIO (a
 * link status change, an "other" cause that IVAR routes to the vector);
 * the device sends its host MSI, VFIO signals the eventfd, the emulator
 * routes it, and the guest takes exactly that source. A vector the guest
 * left masked gets a PBA bit instead, delivered at unmask. BAR0 and BAR1
 * are memslots over VFIO's mmaps in the window's 2 MiB region, as QEMU
 * gives them: the guest reads the MAC address through BAR0's.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) the table and PBA are
 * trapped the same; the window's other pages exit and the window VMM
 * (ppc_ptw_vmm.c) serves them through VFIO.
 */
#include <sys/mman.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <linux/pci_regs.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"
#include "ppc_ptw_util.h"
#include "ppc_vfio_util.h"

/*
 * The layout firmware gives e1000e: BAR0 and BAR1 (128K each, mmap-able
 * through VFIO: memslots) and BAR3 next to them in the same 2 MiB region,
 * at another offset in its 64K page (+0x4000) than the host's (+0).
 */
#define BAR0_GPA	0x80000000ULL
#define BAR1_GPA	0x80020000ULL
#define WIN_GPA		0x80044000ULL
#define NR_SRC		16
#define TAKE_TRIES	2000

/* e1000e registers (BAR0) and causes */
#define E1000_ICR	0x00c0
#define E1000_ICS	0x00c8
#define E1000_IMS	0x00d0
#define E1000_IMC	0x00d8
#define E1000_IVAR	0x00e4
#define E1000_ICR_LSC	0x00000004
#define E1000_ICR_OTHER	0x01000000
#define E1000_IVAR_VALID 0x8

/* SYNC id: the device raises its "other" cause, routed to vector v */
#define SYNC_DEVICE_RAISE(v)	(9ULL << 40 | (v))

static struct ppc_vfio vf;
static struct ppc_prog prog;

static u32 src_of(u16 v)
{
	return PPC_IRQ_BASE + (3 * v + 5) % NR_SRC;
}

static int device_raise(u16 v)
{
	u64 icr;
	int r;

	/*
	 * Mask and clear what is latched (ICR is write-1-to-clear), route
	 * "other" to v, enable it, set LSC | OTHER: a new edge each time.
	 */
	r = ppc_vfio_pwrite(&vf, 0, E1000_IMC, 4, 0xffffffff);
	r = r ?: ppc_vfio_pwrite(&vf, 0, E1000_ICR, 4, 0xffffffff);
	r = r ?: ppc_vfio_pread(&vf, 0, E1000_ICR, 4, &icr);
	r = r ?: ppc_vfio_pwrite(&vf, 0, E1000_IVAR, 4,
				 (u64)(E1000_IVAR_VALID | v) << 16);
	r = r ?: ppc_vfio_pwrite(&vf, 0, E1000_IMS, 4,
				 E1000_ICR_LSC | E1000_ICR_OTHER);
	r = r ?: ppc_vfio_pwrite(&vf, 0, E1000_ICS, 4,
				 E1000_ICR_LSC | E1000_ICR_OTHER);
	return r;
}

static int sync_fn(struct ppc_vcpu *vcpu, u64 id, void *opaque)
{
	if (PPC_SYNC_KIND(id) == 9) {
		int r = device_raise(id & 0xffff);

		/* The MSI crosses QEMU, the host IRQ and the eventfd. */
		usleep(20000);
		return r;
	}
	return ppc_msix_sync(vcpu, id, opaque);
}

int main(void)
{
	struct kvm_ppc_pt_window_stats d;
	struct kvm_ppc_pt_window_vfio w;
	struct vfio_irq_set *set;
	struct ppc_msix_win mw = { 0 };
	struct ppc_irqchip ic;
	struct ppc_msix_cap cap;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	void *m0 = MAP_FAILED, *m1 = MAP_FAILED;
	struct utsname u;
	char bdf[32];
	unsigned int t1, n1, t2, p1, t3, n3;
	int dev, kvfio, r;
	u16 v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	uname(&u);
	if (ppc_pci_find(PPC_E1000E_VENDOR, PPC_E1000E_DEVICE, bdf, sizeof(bdf)))
		ksft_exit_skip("no e1000e\n");
	if (ppc_pci_msix_cap(bdf, &cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	r = ppc_vfio_bind(bdf);
	if (r && !strncmp(u.release, "6.1.", 4))
		ksft_exit_skip("%s: %s (VFIO on powerpc needs 6.4+)\n", u.release, ppc_errmsg());
	if (r || ppc_vfio_open(&vf, bdf))
		ksft_exit_fail_msg("VFIO %s: %s\n", bdf, ppc_errmsg());
	ksft_print_msg("e1000e %s BAR%u: size 0x%llx, VFIO flags 0x%x; MSI-X %u vectors, table 0x%x, PBA 0x%x\n",
		       bdf, cap.table_bir, ULL(vf.bar[cap.table_bir].size),
		       vf.bar[cap.table_bir].flags, cap.nvec, cap.table_offset,
		       cap.pba_offset);
	ksft_set_plan(7);

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ppc_xics_setup(vm, &ic, NR_SRC);
	if (r)
		ksft_exit_fail_msg("interrupt controller: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	kvfio = ppc_kvm_vfio_create(vm);
	if (dev < 0 || kvfio < 0 || ppc_kvm_vfio_file(kvfio, vf.group, true))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	/* BAR0 and BAR1 through VFIO's mmaps, as memslots. */
	{
		struct ppc_access acc[2] = { 0 };
		u64 ral = 0, rah = 0;
		int s0 = -1, s1 = -1, e = -1;

		if (vf.bar[0].flags & VFIO_REGION_INFO_FLAG_MMAP)
			m0 = mmap(NULL, vf.bar[0].size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, vf.device, vf.bar[0].offset);
		if (vf.bar[1].flags & VFIO_REGION_INFO_FLAG_MMAP)
			m1 = mmap(NULL, vf.bar[1].size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, vf.device, vf.bar[1].offset);
		if (m0 != MAP_FAILED)
			s0 = ppc_vm_add_memslot(vm, BAR0_GPA, vf.bar[0].size, m0, 0);
		if (m1 != MAP_FAILED)
			s1 = ppc_vm_add_memslot(vm, BAR1_GPA, vf.bar[1].size, m1, 0);
		acc[0].gpa = BAR0_GPA + PPC_E1000E_RAL0;
		acc[0].size = 4;
		acc[1].gpa = BAR0_GPA + PPC_E1000E_RAH0;
		acc[1].size = 4;
		if (s0 >= 0 && s1 >= 0)
			e = ppc_guest_run_accesses(vcpu, acc, 2, NULL, NULL);
		ppc_vfio_pread(&vf, 0, PPC_E1000E_RAL0, 4, &ral);
		ppc_vfio_pread(&vf, 0, PPC_E1000E_RAH0, 4, &rah);
		ksft_test_result(s0 >= 0 && s1 >= 0 && !e && ral &&
				 acc[0].val == ral && acc[1].val == rah,
				 "BAR0/BAR1 memslots over VFIO's mmaps at 0x%llx/0x%llx: the guest reads the MAC address VFIO preads (0x%llx 0x%llx)\n",
				 BAR0_GPA, BAR1_GPA, ULL(acc[0].val), ULL(acc[1].val));
	}

	w = ppc_ptw_window_vfio(&vf, cap.table_bir, 0,
				vf.bar[cap.table_bir].size, WIN_GPA);
	w.msix_table_offset = cap.table_offset;
	w.msix_pba_offset = cap.pba_offset;
	w.msix_nvec = cap.nvec;
	r = ppc_ptw_add_vfio(dev, &w);
	ksft_test_result(!r && !(vf.bar[cap.table_bir].flags & VFIO_REGION_INFO_FLAG_MMAP),
			 "ADD_VFIO of e1000e's MSI-X BAR (no VFIO mmap) at 0x%llx, in the 2 MiB region of the BAR0/BAR1 memslots: %s\n",
			 WIN_GPA, r ? ppc_errmsg() : "id written back");
	if (r)
		ksft_exit_fail_msg("no window\n");

	/* One eventfd per vector: the device's (VFIO) and the window's. */
	mw.vm = vm;
	mw.dev = dev;
	mw.id = w.id;
	mw.gpa = WIN_GPA;
	mw.size = w.size;
	mw.table = cap.table_offset;
	mw.pba = cap.pba_offset;
	mw.nvec = cap.nvec;
	set = calloc(1, sizeof(*set) + cap.nvec * sizeof(int));
	set->argsz = sizeof(*set) + cap.nvec * sizeof(int);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->count = cap.nvec;
	for (v = 0; v < cap.nvec; v++) {
		mw.efd[v] = eventfd(0, EFD_CLOEXEC);
		((int *)set->data)[v] = mw.efd[v];
	}
	r = ioctl(vf.device, VFIO_DEVICE_SET_IRQS, set) < 0 ? -errno : 0;
	/* An MSI is a memory write of the device: bus mastering on. */
	if (!r) {
		u16 cmd = 0;

		r = ppc_vfio_cmd(&vf, &cmd, false);
		cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
		r = r ?: ppc_vfio_cmd(&vf, &cmd, true);
	}
	for (v = 0; !r && v < cap.nvec; v++)
		r = ppc_msix_set_irq(&mw, v, mw.efd[v]);
	r = r ?: ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE);
	ksft_test_result(!r, "VFIO_DEVICE_SET_IRQS: %u MSI-X eventfds, the same ones the window's vectors (GRP_MSIX_IRQ): %s\n",
			 cap.nvec, r ? ppc_errmsg() : "ok");

	/* Guest programs vector 1; the device raises it; then vector 3. */
	ppc_prog_init(&prog);
	ppc_prog_entry(&prog, &mw, 1, PPC_MSI_WINDOW, src_of(1), 0);
	ppc_prog_entry(&prog, &mw, 3, PPC_MSI_WINDOW, src_of(3), 0);
	ppc_prog_sync(&prog, SYNC_DEVICE_RAISE(1));
	t1 = ppc_prog_take(&prog, TAKE_TRIES);
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	ppc_prog_sync(&prog, SYNC_DEVICE_RAISE(3));
	t2 = ppc_prog_take(&prog, TAKE_TRIES);
	r = ppc_msix_run_counted_sync(vcpu, &prog, &mw, sync_fn, &mw,
				      "device-raised", &d);
	ksft_test_result(!r && PPC_XIRR_SRC(prog.s[t1].val) == src_of(1) &&
			 !PPC_XIRR_SRC(prog.s[n1].val) &&
			 PPC_XIRR_SRC(prog.s[t2].val) == src_of(3) &&
			 d.msix_delivered == 2 && d.vmm_exits == 0,
			 "e1000e raises its interrupt (ICS through VFIO): vector 1 -> source 0x%x (XIRR 0x%llx), once; vector 3 -> source 0x%x (XIRR 0x%llx)\n",
			 src_of(1), ULL(prog.s[t1].val), src_of(3),
			 ULL(prog.s[t2].val));

	/* A masked vector: the device's interrupt sets the PBA bit. */
	ppc_prog_init(&prog);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&mw, 2, PPC_MSIX_CTL), 1);
	ppc_prog_entry(&prog, &mw, 2, PPC_MSI_WINDOW, src_of(2), 1);
	ppc_prog_sync(&prog, SYNC_DEVICE_RAISE(2));
	n3 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&mw));
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&mw, 2, PPC_MSIX_CTL), 0);
	t3 = ppc_prog_take(&prog, TAKE_TRIES);
	r = ppc_msix_run_counted_sync(vcpu, &prog, &mw, sync_fn, &mw,
				      "masked", &d);
	ksft_test_result(!r && !PPC_XIRR_SRC(prog.s[n3].val) &&
			 (prog.s[p1].val & (1ULL << 2)) &&
			 PPC_XIRR_SRC(prog.s[t3].val) == src_of(2) &&
			 d.msix_pending >= 1,
			 "the device raises a vector the guest masked: PBA 0x%llx, nothing delivered; unmask delivers source 0x%x\n",
			 ULL(prog.s[p1].val), src_of(2));

	/*
	 * A function reset through VFIO zaps the BARs: the window is
	 * suspended (its 4K page beside the table unmapped, the next load
	 * exits), and the load after the reset maps it again.
	 */
	{
		struct vfio_device_info di = { .argsz = sizeof(di) };
		struct kvm_ppc_pt_window_stats a, b, c;
		struct ppc_access acc = { .gpa = WIN_GPA + 0x1000, .size = 4 };
		struct ppc_mmio_log log;
		int e1, e2, rr;

		ppc_mmio_log_init(&log, 4, 0x5a);
		e1 = ppc_mmio_log_run(vcpu, &acc, 1, &log);
		ppc_msix_stats(dev, &a);
		if (ioctl(vf.device, VFIO_DEVICE_GET_INFO, &di) < 0 ||
		    !(di.flags & VFIO_DEVICE_FLAGS_RESET)) {
			ksft_test_result_skip("VFIO_DEVICE_RESET: e1000e has no function reset VFIO can use (flags 0x%x)\n",
					      di.flags);
		} else {
			rr = ioctl(vf.device, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
			ppc_msix_stats(dev, &b);
			e2 = ppc_mmio_log_run(vcpu, &acc, 1, &log);
			ppc_msix_stats(dev, &c);
			ksft_test_result(!e1 && !rr && !e2 && !log.n &&
					 (ppc_ptw_maps_4k ?
					  b.unmaps > a.unmaps && c.maps_4k > b.maps_4k :
					  b.unmaps == a.unmaps && !c.maps_4k &&
					  log.served == 1),
					 "VFIO_DEVICE_RESET: %s (unmaps +%llu); the next load %s (maps_4k +%llu, %llu exits to the test)\n",
					 PPC_PTW_EXPECT("the window's mapping goes",
							"nothing mapped to revoke"),
					 ULL(b.unmaps - a.unmaps),
					 PPC_PTW_EXPECT("resumes it",
							"exits and the VMM serves it"),
					 ULL(c.maps_4k - b.maps_4k), ULL(log.n));
		}
		ppc_mmio_log_free(&log);
	}

	/* Revocation reaches the trap too: FILE_DEL, the table page exits. */
	r = ppc_kvm_vfio_file(kvfio, vf.group, false);
	ppc_prog_init(&prog);
	ppc_prog_ld(&prog, 4, WIN_GPA + 0x3000);	/* beside table and PBA */
	{
		u64 mark = vcpu->served_mmio, served;
		struct ppc_mmio_log log;
		int e;

		ppc_mmio_log_init(&log, 4, 0x5a);
		e = ppc_prog_run(vcpu, &prog, ppc_mmio_log_fn, NULL, &log);
		served = ppc_vcpu_served_since(vcpu, &mark);
		/* Without 4K leaves it exited before too; the VMM serves it. */
		ksft_test_result(!r && !e && log.n == PPC_PTW_EXPECT(1, 0) &&
				 served == PPC_PTW_EXPECT(0, 1),
				 "after KVM_DEV_VFIO_FILE_DEL a load beside the table no longer reaches the device through KVM: it exits to the VMM (%llu exits, %llu served)\n",
				 ULL(log.n), ULL(served));
		ppc_mmio_log_free(&log);
	}

	memset(set->data, 0, cap.nvec * sizeof(int));
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->count = 0;
	ioctl(vf.device, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	close(dev);
	close(kvfio);
	ppc_vm_free(vm);
	/* The mmaps hold the device open: unbinding would wait for them. */
	if (m0 != MAP_FAILED)
		munmap(m0, vf.bar[0].size);
	if (m1 != MAP_FAILED)
		munmap(m1, vf.bar[1].size);
	ppc_vfio_close(&vf);
	ppc_vfio_unbind(bdf);
	ksft_finished();
}
