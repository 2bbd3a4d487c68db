// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table trap: a guest programs vectors directly in the trapped table
 * (no RTAS) and receives their interrupts through its in-kernel XICS
 * (XICS-on-XIVE on a XIVE host).
 *
 * The window is virtio-net's MSI-X BAR with the table and PBA where the
 * device's capability says. The guest runs with MSR[EE] clear and polls
 * H_XIRR; the host plays VFIO and signals the vectors' eventfds, and plays
 * the VMM's config space by forwarding Message Control (MSIX_CTRL). A
 * vector is routed when MSI-X is enabled, the function and the vector are
 * unmasked, the address is the VM's MSI window and the data names one of
 * the VM's sources. Every guest program runs without an MMIO exit.
 */
#include <stdio.h>
#include <string.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define NR_SRC		16
#define TAKE_TRIES	1000
/* A source the VM does not have */
#define NO_SRC		(PPC_IRQ_BASE + NR_SRC + 7)
/* Another MSI window address (x86's) */
#define OTHER_WINDOW	0xfee00000ULL

struct ctx {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct ppc_irqchip ic;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_msix_win mw;
	u16 nvec;
};

static struct ppc_prog prog;
static struct kvm_ppc_pt_window_stats d;

/* Vector v goes to its own source, not in vector order */
static u32 src_of(u16 v)
{
	return PPC_IRQ_BASE + (5 * v + 3) % NR_SRC;
}

/* Mask, write the message, then vector_ctl = ctl (0 unmasks) */
static void reprogram(struct ppc_msix_win *mw, u16 v, u64 addr, u32 data,
		      u32 ctl)
{
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(mw, v, PPC_MSIX_CTL),
		    PPC_MSIX_CTL_MASKED);
	ppc_prog_entry(&prog, mw, v, addr, data, ctl);
}

/* Run prog; d = the counters' change. Fails the test on an error. */
static bool run(struct ctx *c, const char *what)
{
	if (!ppc_msix_run_counted(c->vcpu, &prog, &c->mw, what, &d))
		return true;
	ksft_test_result_fail("%s: %s\n", what, ppc_errmsg());
	return false;
}

static void expect_irq(unsigned int i, u32 src, const char *what)
{
	struct ppc_step *s = &prog.s[i];

	printf("# %s: XIRR 0x%08llx after %llu H_XIRR\n", what,
	       (unsigned long long)s->val, (unsigned long long)s->aux);
	EXPECT_EQ(PPC_XIRR_SRC(s->val), src, what);
	EXPECT_EQ(PPC_XIRR_CPPR(s->val), 0xff, "CPPR in XIRR");
	/* the EOI that follows a take */
	EXPECT_EQ(prog.s[i + 1].aux, PPC_H_SUCCESS, "H_EOI return");
}

static void expect_none(unsigned int i, const char *what)
{
	struct ppc_step *s = &prog.s[i];

	EXPECT(!PPC_XIRR_SRC(s->val),
	       "%s: source 0x%x delivered (XIRR 0x%llx)", what,
	       PPC_XIRR_SRC(s->val), (unsigned long long)s->val);
}

/* Each vector, programmed by the guest, raises its own source once */
static void test_route_each(struct ctx *c)
{
	unsigned int take[PPC_MSIX_MAX_VEC], none[PPC_MSIX_MAX_VEC];
	u16 v;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (v = 0; v < c->nvec; v++)
		ppc_prog_entry(&prog, &c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	for (v = 0; v < c->nvec; v++) {
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
		take[v] = ppc_prog_take(&prog, TAKE_TRIES);
		none[v] = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	}
	if (!run(c, "route each vector"))
		return;
	for (v = 0; v < c->nvec; v++) {
		char what[64];

		snprintf(what, sizeof(what), "vector %u -> source 0x%x", v,
			 src_of(v));
		expect_irq(take[v], src_of(v), what);
		expect_none(none[v], "second H_XIRR");
	}
	EXPECT_EQ(d.msix_routed, c->nvec, "vectors routed");
	EXPECT_EQ(d.msix_delivered, c->nvec, "interrupts delivered");
	EXPECT_EQ(d.msix_invalid_msgs, 0, "invalid messages");
	EXPECT_EQ(d.msix_pending, 0, "pending bits set");
	EXPECT_EQ(d.msix_table_accesses, 4 * c->nvec, "table accesses");
	EXPECT_EQ(d.vmm_exits, 0, "VMM exits");
	ksft_test_result(ppc_expect_ok(),
			 "%s: each of %u vectors, programmed in the table by the guest, raises its own source once (H_XIRR)\n",
			 c->ic.name, c->nvec);
}

/*
 * A signal for a masked vector sets its PBA bit (several merge into one);
 * the guest sees the bit, unmasks, and takes the interrupt exactly once.
 */
static void test_masked_pending(struct ctx *c)
{
	unsigned int n1, p1, c1, x, n2, p2, n3;
	const u16 v = c->nvec - 1;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	reprogram(&c->mw, v, PPC_MSI_WINDOW, src_of(v), PPC_MSIX_CTL_MASKED);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 3));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	c1 = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL));
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	x = ppc_prog_take(&prog, TAKE_TRIES);
	n2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p2 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	/* masking and unmasking again delivers nothing more */
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	n3 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	if (!run(c, "masked vector"))
		return;
	printf("# masked vector %u: PBA 0x%llx before unmask, 0x%llx after\n",
	       v, (unsigned long long)prog.s[p1].val,
	       (unsigned long long)prog.s[p2].val);
	expect_none(n1, "while masked");
	EXPECT_EQ(prog.s[p1].val, 1ULL << v, "PBA while masked");
	EXPECT_EQ(prog.s[c1].val, PPC_MSIX_CTL_MASKED, "vector_ctl");
	expect_irq(x, src_of(v), "at unmask");
	expect_none(n2, "after the pending interrupt");
	EXPECT_EQ(prog.s[p2].val, 0, "PBA after unmask");
	expect_none(n3, "after mask/unmask");
	EXPECT_EQ(d.msix_pending, 3, "signals that found the vector masked");
	EXPECT_EQ(d.msix_delivered, 1, "interrupts delivered");
	EXPECT_EQ(d.msix_unrouted, 2, "vectors unrouted");
	EXPECT_EQ(d.msix_routed, 2, "vectors routed");
	ksft_test_result(ppc_expect_ok(),
			 "%s: masked vector: 3 signals set PBA bit %u, the guest reads it, unmask delivers exactly once and clears it\n",
			 c->ic.name, v);
}

/*
 * Function mask (forwarded Message Control): vectors keep their own mask
 * bits, signals go pending; function unmask delivers each one once.
 */
static void test_function_mask(struct ctx *c)
{
	const u16 v0 = 0, v1 = c->nvec > 2 ? 2 : c->nvec - 1;
	unsigned int n1, p1, c1, x1, x2, n2, p2;
	u32 got[2], want[2];

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE |
					   PPC_MSIX_CTRL_MASKALL));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v0, 1));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v1, 1));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	c1 = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v0, PPC_MSIX_CTL));
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	x1 = ppc_prog_take(&prog, TAKE_TRIES);
	x2 = ppc_prog_take(&prog, TAKE_TRIES);
	n2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p2 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	if (!run(c, "function mask"))
		return;
	printf("# function masked: PBA 0x%llx; unmasked: XIRR 0x%llx 0x%llx, PBA 0x%llx\n",
	       (unsigned long long)prog.s[p1].val,
	       (unsigned long long)prog.s[x1].val,
	       (unsigned long long)prog.s[x2].val,
	       (unsigned long long)prog.s[p2].val);
	expect_none(n1, "function masked");
	EXPECT_EQ(prog.s[p1].val, 1ULL << v0 | 1ULL << v1,
		  "PBA with the function masked");
	EXPECT_EQ(prog.s[c1].val, 0, "vector_ctl of an unmasked vector");
	/* both sources have the same priority: either order */
	got[0] = PPC_XIRR_SRC(prog.s[x1].val);
	got[1] = PPC_XIRR_SRC(prog.s[x2].val);
	want[0] = src_of(v0);
	want[1] = src_of(v1);
	EXPECT((got[0] == want[0] && got[1] == want[1]) ||
	       (got[0] == want[1] && got[1] == want[0]),
	       "sources 0x%x 0x%x, expected 0x%x and 0x%x", got[0], got[1],
	       want[0], want[1]);
	EXPECT_EQ(prog.s[x1 + 1].aux, PPC_H_SUCCESS, "H_EOI");
	EXPECT_EQ(prog.s[x2 + 1].aux, PPC_H_SUCCESS, "H_EOI");
	expect_none(n2, "after both");
	EXPECT_EQ(prog.s[p2].val, 0, "PBA after function unmask");
	EXPECT_EQ(d.msix_pending, 2, "pending bits set");
	EXPECT_EQ(d.msix_delivered, 2, "interrupts delivered");
	EXPECT_EQ(d.msix_unrouted, c->nvec, "vectors unrouted by the mask");
	EXPECT_EQ(d.msix_routed, c->nvec, "vectors routed again");
	ksft_test_result(ppc_expect_ok(),
			 "%s: function mask: vectors %u and %u go pending (PBA), vector_ctl untouched; function unmask delivers each once\n",
			 c->ic.name, v0, v1);
}

/* MSI-X disabled: signals are dropped, not pending, not delivered later */
static void test_disabled(struct ctx *c)
{
	const u16 v = 0;
	unsigned int n1, p1, r1, n2, p2;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(0));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 2));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p1 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	r1 = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_DATA));
	ppc_prog_sync(&prog, PPC_SYNC_CTRL(PPC_MSIX_CTRL_ENABLE));
	n2 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	p2 = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	if (!run(c, "MSI-X disabled"))
		return;
	expect_none(n1, "MSI-X disabled");
	EXPECT_EQ(prog.s[p1].val, 0, "PBA with MSI-X disabled");
	EXPECT_EQ(prog.s[r1].val, src_of(v), "table read with MSI-X disabled");
	expect_none(n2, "after enable");
	EXPECT_EQ(prog.s[p2].val, 0, "PBA after enable");
	EXPECT_EQ(d.msix_delivered, 0, "interrupts delivered");
	EXPECT_EQ(d.msix_pending, 0, "pending bits set");
	EXPECT_EQ(d.msix_unrouted, c->nvec, "vectors unrouted by disable");
	EXPECT_EQ(d.msix_routed, c->nvec, "vectors routed by enable");
	ksft_test_result(ppc_expect_ok(),
			 "%s: MSI-X disabled: signals are dropped (no interrupt, no PBA bit, nothing at enable)\n",
			 c->ic.name);
}

/* A message with another address or a source the VM lacks: nothing */
static void test_invalid_msgs(struct ctx *c)
{
	static const struct {
		u64 addr;
		u32 data;
		const char *what;
	} bad[] = {
		{ OTHER_WINDOW, 0, "address 0xfee00000" },
		{ PPC_MSI_WINDOW + (1ULL << 32), 0, "address high DWORD + 1" },
		{ PPC_MSI_WINDOW + 4, 0, "address + 4" },
		{ PPC_MSI_WINDOW, NO_SRC, "data = no source of the VM" },
		{ PPC_MSI_WINDOW, 0xffffffff, "data = 0xffffffff" },
	};
	unsigned int none[ARRAY_SIZE(bad)], pba[ARRAY_SIZE(bad)], x, i;
	const u16 v = 0;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		reprogram(&c->mw, v, bad[i].addr,
			  bad[i].data ? bad[i].data : src_of(v), 0);
		ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
		none[i] = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
		pba[i] = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&c->mw));
	}
	reprogram(&c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x = ppc_prog_take(&prog, TAKE_TRIES);
	if (!run(c, "invalid messages"))
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_none(none[i], bad[i].what);
		EXPECT_EQ(prog.s[pba[i]].val, 0, "PBA (vector unmasked)");
	}
	expect_irq(x, src_of(v), "valid message again");
	EXPECT_EQ(d.msix_invalid_msgs, ARRAY_SIZE(bad), "invalid messages");
	EXPECT_EQ(d.msix_delivered, 1, "interrupts delivered");
	EXPECT_EQ(d.msix_routed, 1, "vectors routed");
	EXPECT_EQ(d.msix_unrouted, 1, "vectors unrouted");
	EXPECT_EQ(d.msix_pending, 0, "pending bits set");
	ksft_test_result(ppc_expect_ok(),
			 "%s: invalid address or data (%zu kinds): nothing delivered, msix_invalid_msgs +%zu; a valid message routes again\n",
			 c->ic.name, ARRAY_SIZE(bad), ARRAY_SIZE(bad));
}

/* The VMM sets another MSI window: only messages to it are routed */
static void test_msi_window(struct ctx *c)
{
	unsigned int n1, x;
	const u16 v = 1 % c->nvec;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_MSI_WINDOW(OTHER_WINDOW));
	reprogram(&c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	n1 = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	reprogram(&c->mw, v, OTHER_WINDOW, src_of(v), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x = ppc_prog_take(&prog, TAKE_TRIES);
	ppc_prog_sync(&prog, PPC_SYNC_MSI_WINDOW(PPC_MSI_WINDOW));
	reprogram(&c->mw, v, PPC_MSI_WINDOW, src_of(v), 0);
	if (!run(c, "MSI window"))
		return;
	expect_none(n1, "old window address");
	expect_irq(x, src_of(v), "new window address");
	EXPECT_EQ(d.msix_invalid_msgs, 1, "invalid messages");
	EXPECT_EQ(d.msix_routed, 2, "vectors routed");
	EXPECT_EQ(d.msix_delivered, 1, "interrupts delivered");
	ksft_test_result(ppc_expect_ok(),
			 "%s: MSI_WINDOW attribute: with the window at 0x%llx, only messages to it are routed\n",
			 c->ic.name, OTHER_WINDOW);
}

/*
 * A message changed while the vector is unmasked reads back at once but
 * routing keeps the latched one until the next mask/unmask.
 */
static void test_latched(struct ctx *c)
{
	const u16 v = 0;
	const u32 a = src_of(v), b = PPC_IRQ_BASE + NR_SRC - 1;
	unsigned int r1, x1, x2;

	ppc_expect_begin();
	ppc_prog_init(&prog);
	reprogram(&c->mw, v, PPC_MSI_WINDOW, a, 0);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_DATA), b);
	r1 = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_DATA));
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x1 = ppc_prog_take(&prog, TAKE_TRIES);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 1);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&c->mw, v, PPC_MSIX_CTL), 0);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(v, 1));
	x2 = ppc_prog_take(&prog, TAKE_TRIES);
	reprogram(&c->mw, v, PPC_MSI_WINDOW, a, 0);
	if (!run(c, "latched message"))
		return;
	EXPECT_EQ(prog.s[r1].val, b, "msg_data read back");
	expect_irq(x1, a, "unmasked vector, data changed: latched source");
	expect_irq(x2, b, "after mask/unmask: new source");
	ksft_test_result(ppc_expect_ok(),
			 "%s: data changed while unmasked reads back at once, delivery keeps source 0x%x until mask/unmask, then 0x%x\n",
			 c->ic.name, a, b);
}

int main(void)
{
	struct ctx c = { 0 };
	u64 icp;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	r = ppc_msix_virtio_open(&c.bar, &c.cap);
	if (r)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	c.nvec = c.cap.nvec < 4 ? c.cap.nvec : 4;
	ksft_print_msg("virtio-net %s BAR%u 0x%llx size 0x%llx: MSI-X %u vectors, table 0x%x, PBA 0x%x (using %u)\n",
		       c.bar.bdf, c.cap.table_bir,
		       (unsigned long long)c.bar.start,
		       (unsigned long long)c.bar.size, c.cap.nvec,
		       c.cap.table_offset, c.cap.pba_offset, c.nvec);
	c.vm = ppc_guest_create(&c.vcpu);
	if (!c.vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	r = ppc_xics_setup(c.vm, &c.ic, NR_SRC);
	if (r == -EOPNOTSUPP)
		ksft_exit_skip("%s\n", ppc_errmsg());
	if (r)
		ksft_exit_fail_msg("interrupt controller: %s\n", ppc_errmsg());
	ksft_print_msg("in-kernel %s, sources 0x%x..0x%x at priority %u on server 0, CPPR 0xff\n",
		       c.ic.name, PPC_IRQ_BASE, PPC_IRQ_BASE + NR_SRC - 1,
		       PPC_IRQ_PRIO);
	r = ppc_msix_win_add(&c.mw, c.vm, -1, &c.bar, WIN_GPA,
			     c.cap.table_offset, c.cap.pba_offset, c.cap.nvec);
	if (!r)
		r = ppc_msix_set_ctrl(&c.mw, PPC_MSIX_CTRL_ENABLE);
	if (r)
		ksft_exit_fail_msg("window: %s\n", ppc_errmsg());
	ksft_set_plan(8);

	test_route_each(&c);
	test_masked_pending(&c);
	test_function_mask(&c);
	test_disabled(&c);
	test_invalid_msgs(&c);
	test_msi_window(&c);
	test_latched(&c);

	ppc_expect_begin();
	r = ppc_xics_get_icp(c.vcpu, &icp);
	EXPECT_EQ(r, 0, "ICP state read");
	EXPECT_EQ(icp >> KVM_REG_PPC_ICP_CPPR_SHIFT, 0xff, "CPPR");
	EXPECT_EQ((icp >> KVM_REG_PPC_ICP_XISR_SHIFT) & KVM_REG_PPC_ICP_XISR_MASK,
		  0, "XISR");
	EXPECT_EQ(c.vcpu->exits[KVM_EXIT_MMIO], 0, "MMIO exits");
	ppc_vcpu_print_stats(c.vcpu);
	ksft_test_result(ppc_expect_ok(),
			 "%s: after all, the ICP is idle (CPPR 0xff, nothing pending) and no access exited to the VMM\n",
			 c.ic.name);

	ppc_msix_win_free(&c.mw);
	ppc_vm_free(c.vm);
	ppc_pci_unmap_bar(&c.bar);
	ksft_finished();
}
