// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: save a window's MSI-X state in one VM and restore it
 * into another VM's window (GRP_MSIX_STATE), as a VMM migrating a guest
 * with a passed-through function does.
 *
 * VM A: the VMM seeds every vector through RTAS-style MSIX_ENTRY writes
 * (its own source each, distinct), the guest unmasks all but the last
 * vector and reads back the table; the last vector is signalled while
 * masked, so its PBA bit is set. The VMM saves the state (a short buffer
 * first: ENOSPC and the size needed), checks the documented little-endian
 * layout, and VM A goes away.
 *
 * VM B (a new VM, its own XICS with the same sources, its own eventfds on
 * a window over the same BAR): the state is restored. B's guest reads
 * every entry (A's values), sees the PBA bit, unmasks the last vector and
 * takes the interrupt that was pending in A - no new signal - exactly
 * once; the vectors that were unmasked in A are routed in B at restore,
 * so signals on B's eventfds arrive at their sources. A second save of B
 * gives the same bytes as A's, but for the PBA bit now delivered.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA_A	0x80000000ULL
#define WIN_GPA_B	0x90000000ULL
#define NR_SRC		16
#define TAKE_TRIES	1000

struct vm_ctx {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct ppc_irqchip ic;
	struct ppc_msix_win mw;
};

static struct ppc_pci_bar bar;
static struct ppc_msix_cap cap;
static u16 nvec;
static struct ppc_prog prog;
static struct kvm_ppc_pt_window_stats d;

static u32 src_of(u16 v)
{
	return PPC_IRQ_BASE + (3 * v + 2) % NR_SRC;
}

static int vm_setup(struct vm_ctx *x, u64 gpa)
{
	int r;

	x->vm = ppc_guest_create(&x->vcpu);
	if (!x->vm)
		return -1;
	r = ppc_xics_setup(x->vm, &x->ic, NR_SRC);
	if (r)
		return r;
	return ppc_msix_win_add(&x->mw, x->vm, -1, &bar, gpa,
				cap.table_offset, cap.pba_offset, cap.nvec);
}

static void vm_free(struct vm_ctx *x)
{
	ppc_msix_win_free(&x->mw);
	close(x->mw.dev);
	ppc_vm_free(x->vm);
	x->vm = NULL;
}

static bool run(struct vm_ctx *x, const char *what)
{
	if (!ppc_msix_run_counted(x->vcpu, &prog, &x->mw, what, &d))
		return true;
	ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
	return false;
}

static unsigned int read_entry(struct ppc_msix_win *mw, u16 v)
{
	unsigned int i = ppc_prog_ld(&prog, 8, ppc_msix_entry_gpa(mw, v,
						PPC_MSIX_ADDR_LO));

	ppc_prog_ld(&prog, 8, ppc_msix_entry_gpa(mw, v, PPC_MSIX_DATA));
	return i;
}

/* vector_ctl | msg_data, msg_addr: as two QWORD loads see an entry */
static void expect_entry(unsigned int i, u16 v, u32 ctl, const char *who)
{
	char what[80];

	snprintf(what, sizeof(what), "%s: vector %u address", who, v);
	EXPECT_EQ(prog.s[i].val, PPC_MSI_WINDOW, what);
	snprintf(what, sizeof(what), "%s: vector %u vector_ctl|data", who, v);
	EXPECT_EQ(prog.s[i + 1].val, (u64)ctl << 32 | src_of(v), what);
}

int main(void)
{
	unsigned int rd[PPC_MSIX_MAX_VEC], take[PPC_MSIX_MAX_VEC];
	unsigned int p1, n1, x, n2, p2;
	struct kvm_ppc_pt_window_stats before, after;
	struct kvm_ppc_pt_msix_state *h;
	struct vm_ctx a = { 0 }, b = { 0 };
	u8 *sa, *sb;
	u32 size;
	u16 v, last;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_msix_virtio_open(&bar, &cap);
	if (r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	nvec = cap.nvec < 8 ? cap.nvec : 8;
	last = nvec - 1;
	size = KVM_PPC_PTW_MSIX_STATE_SIZE(cap.nvec);
	sa = calloc(1, size + 64);
	sb = calloc(1, size + 64);
	if (!sa || !sb)
		ksft_exit_fail_msg("calloc\n");
	ksft_print_msg("virtio-net %s: MSI-X %u vectors (using %u), saved state %u bytes\n",
		       bar.bdf, cap.nvec, nvec, size);
	r = vm_setup(&a, WIN_GPA_A);
	if (r == -EOPNOTSUPP)
		ksft_exit_skip("%s\n", ppc_errmsg());
	if (r)
		ksft_exit_fail_msg("VM A: %s\n", ppc_errmsg());
	ksft_set_plan(4);

	/* VM A: RTAS-style seeding, guest unmasks, last vector pending */
	ppc_expect_begin();
	r = ppc_msix_set_ctrl(&a.mw, PPC_MSIX_CTRL_ENABLE);
	for (v = 0; !r && v < nvec; v++) {
		struct kvm_ppc_pt_msix_entry e = {
			.msg_addr_lo = (u32)PPC_MSI_WINDOW,
			.msg_addr_hi = PPC_MSI_WINDOW >> 32,
			.msg_data = src_of(v),
			.vector_ctl = PPC_MSIX_CTL_MASKED,
		};

		r = ppc_msix_set_entry(&a.mw, v, &e);
	}
	if (r)
		ksft_exit_fail_msg("VM A seeding: %s\n", ppc_errmsg());
	ppc_prog_init(&prog);
	for (v = 0; v < last; v++)
		ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&a.mw, v, PPC_MSIX_CTL),
			    0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(last, 2));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&a.mw));
	for (v = 0; v < nvec; v++)
		rd[v] = read_entry(&a.mw, v);
	if (run(&a, "VM A")) {
		EXPECT(!PPC_XIRR_SRC(prog.s[n1].val),
		       "VM A: source 0x%x delivered while masked",
		       PPC_XIRR_SRC(prog.s[n1].val));
		EXPECT_EQ(prog.s[p1].val, 1ULL << last, "VM A: PBA");
		for (v = 0; v < nvec; v++)
			expect_entry(rd[v], v, v == last, "VM A");
		EXPECT_EQ(d.msix_routed, last, "VM A: vectors routed");
		EXPECT_EQ(d.msix_pending, 2, "VM A: pending signals");
		ksft_test_result(ppc_expect_ok(),
				 "%s: VM A: %u vectors seeded by the VMM, %u unmasked by the guest, vector %u masked with its PBA bit set\n",
				 a.ic.name, nvec, last, last);
	}

	/* Save: a short buffer first, then the real one */
	ppc_expect_begin();
	r = ppc_msix_save(&a.mw, sa, 32);
	EXPECT_EQ(r, -ENOSPC, "save into 32 bytes");
	EXPECT_EQ(le32toh(((struct kvm_ppc_pt_msix_state *)sa)->size), size,
		  "size written back");
	r = ppc_msix_save(&a.mw, sa, size);
	EXPECT_EQ(r, 0, "save");
	h = (struct kvm_ppc_pt_msix_state *)sa;
	EXPECT(!memcmp(sa, "PTWX", 4), "magic %.4s", (char *)sa);
	EXPECT_EQ(le32toh(h->version), KVM_PPC_PTW_MSIX_STATE_VERSION,
		  "version");
	EXPECT_EQ(le32toh(h->size), size, "size");
	EXPECT_EQ(le16toh(h->nvec), cap.nvec, "nvec");
	EXPECT_EQ(le16toh(h->ctrl), PPC_MSIX_CTRL_ENABLE, "ctrl");
	for (v = 0; v < nvec; v++) {
		struct kvm_ppc_pt_msix_state_entry *e =
			(void *)(sa + sizeof(*h) + 16 * v);

		EXPECT_EQ(le32toh(e->msg_data), src_of(v), "saved msg_data");
		EXPECT_EQ(le32toh(e->vector_ctl), v == last, "saved vector_ctl");
	}
	EXPECT_EQ(le64toh(*(u64 *)(sa + KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(cap.nvec))),
		  1ULL << last, "saved PBA");
	ksft_test_result(ppc_expect_ok(),
			 "%s: MSIX_STATE save: ENOSPC with the size needed (%u) for a short buffer, then the documented little-endian layout\n",
			 a.ic.name, size);
	vm_free(&a);

	/* VM B: restore, read back, unmask, take the pending interrupt */
	r = vm_setup(&b, WIN_GPA_B);
	if (r)
		ksft_exit_fail_msg("VM B: %s\n", ppc_errmsg());
	ppc_expect_begin();
	r = ppc_msix_stats(b.mw.dev, &before);
	if (!r)
		r = ppc_msix_restore(&b.mw, sa);
	if (!r)
		r = ppc_msix_stats(b.mw.dev, &after);
	if (r)
		ksft_exit_fail_msg("VM B restore: %s\n", ppc_errmsg());
	ppc_msix_stats_sub(&d, &after, &before);
	ppc_msix_stats_print("restore", &d);
	EXPECT_EQ(d.msix_routed, last, "vectors routed by the restore");
	EXPECT_EQ(d.msix_delivered, 0, "delivered by the restore");
	ppc_prog_init(&prog);
	for (v = 0; v < nvec; v++)
		rd[v] = read_entry(&b.mw, v);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&b.mw));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&b.mw, last, PPC_MSIX_CTL), 0);
	x = ppc_prog_take(&prog, TAKE_TRIES);
	n2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p2 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&b.mw));
	for (v = 0; v < last; v++) {
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
		take[v] = ppc_prog_take(&prog, TAKE_TRIES);
	}
	if (run(&b, "VM B")) {
		for (v = 0; v < nvec; v++)
			expect_entry(rd[v], v, v == last, "VM B");
		EXPECT_EQ(prog.s[p1].val, 1ULL << last, "VM B: PBA restored");
		EXPECT(!PPC_XIRR_SRC(prog.s[n1].val),
		       "VM B: source 0x%x before unmask",
		       PPC_XIRR_SRC(prog.s[n1].val));
		EXPECT_EQ(PPC_XIRR_SRC(prog.s[x].val), src_of(last),
			  "VM B: the pending interrupt at unmask");
		EXPECT(!PPC_XIRR_SRC(prog.s[n2].val),
		       "VM B: source 0x%x delivered twice",
		       PPC_XIRR_SRC(prog.s[n2].val));
		EXPECT_EQ(prog.s[p2].val, 0, "VM B: PBA after unmask");
		for (v = 0; v < last; v++)
			EXPECT_EQ(PPC_XIRR_SRC(prog.s[take[v]].val), src_of(v),
				  "VM B: re-routed vector");
		EXPECT_EQ(d.msix_delivered, nvec, "VM B: interrupts delivered");
		ksft_test_result(ppc_expect_ok(),
				 "%s: VM B: restored entries read back, pending vector %u delivered once at the guest's unmask, %u vectors re-routed to B's eventfds\n",
				 b.ic.name, last, last);
	}

	/* B's state is A's, but for the bit delivered */
	ppc_expect_begin();
	r = ppc_msix_save(&b.mw, sb, size);
	EXPECT_EQ(r, 0, "save B");
	((struct kvm_ppc_pt_msix_state_entry *)(sa + sizeof(*h)))[last].vector_ctl = 0;
	*(u64 *)(sa + KVM_PPC_PTW_MSIX_STATE_PBA_OFFSET(cap.nvec)) = 0;
	EXPECT(!memcmp(sa, sb, size), "B's saved state differs from A's");
	ksft_test_result(ppc_expect_ok(),
			 "%s: VM B saves the same %u bytes as VM A (vector %u now unmasked, PBA clear)\n",
			 b.ic.name, size, last);
	vm_free(&b);
	ppc_pci_unmap_bar(&bar);
	free(sa);
	free(sb);
	ksft_finished();
}
