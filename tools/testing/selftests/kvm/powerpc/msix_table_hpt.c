// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSI-X table trap for an HPT (hash MMU) guest, on a hash host.
 *
 * The guest maps virtio-net's 4K MSI-X BAR (table at 0, PBA at 0x800) at
 * guest 0x90001000 (host: +0x5000 of its 64K page) with H_ENTER, and with
 * data relocation on reads vector 0's vector_ctl (masked at reset),
 * programs the vector (message address = the VM's MSI window, data = one of
 * its XICS sources), reads msg_data back, tries a 2-byte load (not an
 * aligned DWORD or QWORD: all ones, counted), unmasks the vector and reads
 * the PBA. None of it exits to the VMM: the table page is trapped in the
 * kernel, not mapped (msix_traps), and served by the emulator. The host
 * then signals the vector's eventfd, as VFIO would; the guest polls H_XIRR
 * and sees its source.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_msix_util.h"
#include "ppc_ptw_util.h"

#define HPT_ORDER	18
#define TEST_VSID	0x2345ULL
#define WIN_EA		0x10001000ULL
#define WIN_GPA		0x90001000ULL	/* +0x1000 in its 64K page */
#define XIRR_TRIES	10000

static struct ppc_asm code;

/*
 * Phase 1 (SYNC r17..r20): table accesses. Phase 2 (SYNC r21): poll
 * H_XIRR until a source shows, at most XIRR_TRIES times.
 */
static void emit_guest(const struct ppc_hpt_map *m)
{
	int regs1[] = { 17, 18, 19, 20 };
	unsigned int found;
	u64 loop;

	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_hpt_enter(&code, m, 1);
	ppc_li64(&code, 31, m->ea);
	ppc_data_relocate(&code, true);
	ppc_lwz(&code, 17, PPC_MSIX_CTL, 31);
	ppc_li64(&code, 14, (u32)PPC_MSI_WINDOW);
	ppc_stw(&code, 14, PPC_MSIX_ADDR_LO, 31);
	ppc_li64(&code, 14, PPC_MSI_WINDOW >> 32);
	ppc_stw(&code, 14, PPC_MSIX_ADDR_HI, 31);
	ppc_li64(&code, 14, PPC_IRQ_BASE);
	ppc_stw(&code, 14, PPC_MSIX_DATA, 31);
	ppc_lwz(&code, 18, PPC_MSIX_DATA, 31);
	ppc_lhz(&code, 19, PPC_MSIX_DATA, 31);
	ppc_li(&code, 14, 0);
	ppc_stw(&code, 14, PPC_MSIX_CTL, 31);
	ppc_ld(&code, 20, 0x800, 31);
	ppc_sync(&code);
	ppc_data_relocate(&code, false);
	ppc_ucall(&code, PPC_UCALL_SYNC, 4, regs1);

	ppc_li64(&code, 22, XIRR_TRIES);
	ppc_mtctr(&code, 22);
	loop = ppc_here(&code);
	ppc_li64(&code, 3, PPC_H_XIRR);
	ppc_sc1(&code);
	ppc_mr(&code, 21, 4);
	ppc_andi_dot(&code, 23, 21, 0xffff);
	found = ppc_bc_fwd(&code, 4, 2);	/* bne: a source */
	ppc_bdnz(&code, loop);
	ppc_patch_here(&code, found);
	ppc_ucall1(&code, PPC_UCALL_SYNC, 21);
	ppc_done(&code);
}

int main(void)
{
	struct kvm_ppc_pt_window_stats a, b, d;
	struct ppc_mmio_log log;
	struct ppc_msix_cap cap;
	struct ppc_pci_bar bar;
	struct ppc_msix_win mw;
	struct ppc_irqchip ic;
	struct ppc_vcpu *vcpu;
	struct ppc_hpt_map m;
	struct ppc_ucall uc;
	struct ppc_vm *vm;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_hash_host();
	if (r < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	if (!r)
		ksft_exit_skip("%s\n", ppc_errmsg());
	if (ppc_msix_virtio_open(&bar, &cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	vm = ppc_hash_guest_create(&vcpu, HPT_ORDER);
	if (!vm)
		ksft_exit_fail_msg("HPT guest: %s\n", ppc_errmsg());
	r = ppc_xics_setup(vm, &ic, 4);
	if (!r)
		r = ppc_msix_win_add(&mw, vm, -1, &bar, WIN_GPA,
				     cap.table_offset, cap.pba_offset,
				     cap.nvec);
	if (!r)
		r = ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE);
	if (r)
		ksft_exit_fail_msg("XICS, window, Message Control: %s\n",
				   ppc_errmsg());
	ksft_set_plan(4);
	ksft_print_msg("%s; virtio-net MSI-X BAR at host +0x%zx, guest 0x%llx; table 0x%x PBA 0x%x, %u vectors\n",
		       ic.name, bar.offset, ULL(WIN_GPA), cap.table_offset,
		       cap.pba_offset, cap.nvec);

	ppc_hpt_map_4k(&m, HPT_ORDER, TEST_VSID, WIN_EA, WIN_GPA,
		       PPC_HPTE_R_I | PPC_HPTE_R_G);
	emit_guest(&m);
	ppc_mmio_log_init(&log, 8, 0x77);
	ppc_msix_stats(mw.dev, &b);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc,
					ppc_mmio_log_fn, &log);
	ppc_msix_stats(mw.dev, &a);
	ppc_msix_stats_sub(&d, &a, &b);
	ppc_msix_stats_print("table accesses", &d);
	if (r)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	ksft_print_msg("guest read vector_ctl 0x%llx, msg_data 0x%llx, 2-byte 0x%llx, PBA 0x%llx; %llu VMM exits\n",
		       ULL(uc.args[0]), ULL(uc.args[1]), ULL(uc.args[2]),
		       ULL(uc.args[3]), ULL(log.n));
	ksft_test_result(uc.args[0] == PPC_MSIX_CTL_MASKED &&
			 uc.args[1] == PPC_IRQ_BASE && uc.args[3] == 0 &&
			 !log.n && d.msix_traps >= 1 &&
			 d.msix_table_accesses >= 6 && !d.maps_4k,
			 "HPT guest programs vector 0 through its H_ENTER mapping: the table page traps into the in-kernel emulator, no VMM exit\n");
	ksft_test_result(uc.args[2] == 0xffff && d.msix_invalid_accesses == 1,
			 "a 2-byte table load reads all ones and is counted invalid\n");
	ksft_test_result(d.msix_routed == 1,
			 "unmasking the programmed vector routes it to XICS source 0x%x\n",
			 PPC_IRQ_BASE);

	ppc_msix_stats(mw.dev, &b);
	r = ppc_msix_signal(&mw, 0);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc,
					ppc_mmio_log_fn, &log);
	ppc_msix_stats(mw.dev, &a);
	ppc_msix_stats_sub(&d, &a, &b);
	ppc_msix_stats_print("signal", &d);
	if (r)
		ksft_print_msg("signal: %s\n", ppc_errmsg());
	ksft_print_msg("H_XIRR 0x%llx\n", ULL(uc.args[0]));
	ksft_test_result(!r && PPC_XIRR_SRC(uc.args[0]) == PPC_IRQ_BASE &&
			 d.msix_delivered == 1 && !log.n,
			 "the host signals vector 0: the HPT guest's H_XIRR returns source 0x%x\n",
			 PPC_IRQ_BASE);

	ppc_mmio_log_free(&log);
	ppc_msix_win_free(&mw);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&bar);
	ksft_finished();
}
