// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: guest mask/unmask writes to an MSI-X table, with the table
 * trapped in the kernel (a window with MSI-X) and as today (no window: the
 * VMM emulates the table, every access exits to it; this test's MMIO
 * handler plays the VMM), in the same boot.
 *
 * The guest stores vector_ctl of entry 0 WRITES times in a mtctr/bdnz loop,
 * alternating unmask and mask; the entry holds a valid message (MSI window,
 * an XICS source), so every unmask routes and every mask unroutes.
 *
 *   bench msix-table: writes=10000 vmm_exits=E baseline_vmm_exits=B insns_per_access=I
 *
 * E and B are KVM_EXIT_MMIO exits during the loop; I, the instructions of
 * one emulated table access, comes from callgrind on the x86 harness
 * (make bench passes it as PTW_MSIX_INSNS_PER_ACCESS). The TAP result
 * checks E = 0, B = WRITES and that I was supplied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kselftest.h"
#include "ppc_asm.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WRITES		10000
#define WIN_GPA		0x80000000ULL
#define NR_SRC		4

/* The status quo's VMM: a table in userspace, one exit per access */
struct vmm_table {
	u64 exits;
	u64 table_gpa;
	u16 nvec;
	u32 entry[PPC_MSIX_MAX_VEC][4];
	u64 bad;
};

static int vmm_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct vmm_table *t = opaque;
	u64 off = run->mmio.phys_addr - t->table_gpa;
	u32 val = 0, *field;

	t->exits++;
	if (run->mmio.phys_addr < t->table_gpa ||
	    off >= (u64)t->nvec * PPC_MSIX_ENTRY || run->mmio.len != 4 ||
	    off % 4) {
		t->bad++;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return 0;
	}
	field = &t->entry[off / PPC_MSIX_ENTRY][off % PPC_MSIX_ENTRY / 4];
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, 4);
		if (off % PPC_MSIX_ENTRY == PPC_MSIX_CTL)
			val &= PPC_MSIX_CTL_MASKED;
		else if (off % PPC_MSIX_ENTRY == PPC_MSIX_ADDR_LO)
			val &= ~3U;
		*field = val;
	} else {
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, field, 4);
	}
	return 0;
}

static int load_loop(struct ppc_vcpu *vcpu, u64 ctl_gpa)
{
	struct ppc_asm *a = malloc(sizeof(*a));
	u64 loop;
	int r;

	if (!a)
		return ppc_set_err(ENOMEM, "guest code");
	ppc_asm_init(a, PPC_GUEST_CODE_GPA);
	ppc_li64(a, 20, ctl_gpa);
	ppc_li(a, 15, PPC_MSIX_CTL_MASKED);
	ppc_li(a, 16, 1);
	ppc_li64(a, 14, WRITES);
	ppc_mtctr(a, 14);
	loop = ppc_here(a);
	ppc_xor(a, 15, 15, 16);
	ppc_stw(a, 15, 0, 20);
	ppc_bdnz(a, loop);
	ppc_sync(a);
	ppc_done(a);
	r = ppc_guest_load(vcpu, a);
	free(a);
	return r;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(void)
{
	struct kvm_ppc_pt_window_stats before, after, d;
	struct vmm_table window_vmm = { 0 }, vmm = { 0 };
	const char *insns = getenv("PTW_MSIX_INSNS_PER_ACCESS");
	struct ppc_vcpu *vcpu, *bvcpu;
	struct ppc_vm *vm, *bvm;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_irqchip ic;
	struct ppc_msix_win mw;
	struct ppc_prog prog;
	u64 e, b, table_gpa;
	u64 t0, tw, tb;
	bool insns_ok;
	char *end;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(1);
	if (ppc_msix_virtio_open(&bar, &cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	table_gpa = WIN_GPA + cap.table_offset;

	/* With the window: the kernel serves the table */
	vm = ppc_guest_create(&vcpu);
	if (!vm || ppc_xics_setup(vm, &ic, NR_SRC) ||
	    ppc_msix_win_add(&mw, vm, -1, &bar, WIN_GPA, cap.table_offset,
			     cap.pba_offset, 1) ||
	    ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE))
		ksft_exit_fail_msg("VM with a window: %s\n", ppc_errmsg());
	ppc_prog_init(&prog);
	ppc_prog_entry(&prog, &mw, 0, PPC_MSI_WINDOW, PPC_IRQ_BASE,
		       PPC_MSIX_CTL_MASKED);
	window_vmm.table_gpa = table_gpa;
	window_vmm.nvec = 1;
	r = ppc_prog_run(vcpu, &prog, vmm_mmio, NULL, &window_vmm);
	if (!r)
		r = load_loop(vcpu, table_gpa + PPC_MSIX_CTL);
	if (!r)
		r = ppc_msix_stats(mw.dev, &before);
	if (r)
		ksft_exit_fail_msg("setup: %s\n", ppc_errmsg());
	window_vmm.exits = 0;
	ppc_vcpu_clear_stats(vcpu);
	t0 = now_ns();
	r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, vmm_mmio,
				&window_vmm);
	tw = now_ns() - t0;
	if (!r)
		r = ppc_msix_stats(mw.dev, &after);
	if (r)
		ksft_exit_fail_msg("loop with the window: %s\n", ppc_errmsg());
	e = vcpu->exits[KVM_EXIT_MMIO];
	ppc_msix_stats_sub(&d, &after, &before);
	ppc_msix_stats_print("with the window", &d);

	/* Status quo: no window, the VMM (this test) emulates the table */
	bvm = ppc_guest_create(&bvcpu);
	if (!bvm)
		ksft_exit_fail_msg("baseline VM: %s\n", ppc_errmsg());
	vmm.table_gpa = table_gpa;
	vmm.nvec = 1;
	vmm.entry[0][3] = PPC_MSIX_CTL_MASKED;
	r = load_loop(bvcpu, table_gpa + PPC_MSIX_CTL);
	if (r)
		ksft_exit_fail_msg("baseline: %s\n", ppc_errmsg());
	ppc_vcpu_clear_stats(bvcpu);
	t0 = now_ns();
	r = ppc_vcpu_run_expect(bvcpu, PPC_UCALL_DONE, NULL, vmm_mmio, &vmm);
	tb = now_ns() - t0;
	if (r)
		ksft_exit_fail_msg("baseline loop: %s\n", ppc_errmsg());
	b = bvcpu->exits[KVM_EXIT_MMIO];

	ksft_print_msg("time per write (emulated host, TCG): %llu ns with the window, %llu ns status quo; status quo table vector_ctl 0x%x, %llu bad exits\n",
		       (unsigned long long)(tw / WRITES),
		       (unsigned long long)(tb / WRITES),
		       vmm.entry[0][3], (unsigned long long)vmm.bad);
	insns_ok = insns && *insns && strtoull(insns, &end, 10) > 0 && !*end;
	printf("bench msix-table: writes=%d vmm_exits=%llu baseline_vmm_exits=%llu insns_per_access=%s\n",
	       WRITES, (unsigned long long)e, (unsigned long long)b,
	       insns_ok ? insns : "missing");
	if (!insns_ok)
		ksft_print_msg("PTW_MSIX_INSNS_PER_ACCESS is not set to a count (make bench supplies it from callgrind)\n");
	ppc_expect_begin();
	EXPECT_EQ(e, 0, "exits with the window");
	EXPECT_EQ(b, WRITES, "exits without a window");
	EXPECT_EQ(d.msix_table_accesses, WRITES, "table writes the kernel served");
	EXPECT_EQ(d.msix_routed, WRITES / 2, "unmasks routed");
	EXPECT_EQ(vmm.entry[0][3], PPC_MSIX_CTL_MASKED, "status quo table's final vector_ctl");
	EXPECT(insns_ok, "insns_per_access not supplied");
	ksft_test_result(ppc_expect_ok(),
			 "bench msix-table: E = %llu (0 expected), B = %llu (%d expected), insns_per_access %s\n",
			 (unsigned long long)e, (unsigned long long)b, WRITES,
			 insns_ok ? "supplied" : "missing");

	ppc_msix_win_free(&mw);
	ppc_vm_free(bvm);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&bar);
	ksft_finished();
}
