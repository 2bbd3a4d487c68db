// SPDX-License-Identifier: GPL-2.0-only
/*
 * Demo (make run): a guest programs MSI-X by itself, with no RTAS: it
 * writes a vector's entry in the table of its passed-through virtio-net
 * (message address = its MSI window, data = one of its XICS sources),
 * unmasks it, and takes the interrupts the host signals on the vector's
 * eventfd (as VFIO would) through H_XIRR. The table page is trapped in the
 * kernel: no access exits to the VMM. Then the same with the vector
 * masked: the interrupt waits in the PBA until the guest unmasks.
 *
 * Exit status 0 when every step did what it says.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"

#define WIN_GPA		0x80000000ULL
#define NR_SRC		8
#define VEC		1
#define SRC		(PPC_IRQ_BASE + 3)

#define say(...)	printf("# " __VA_ARGS__)

static struct ppc_prog prog;
static struct ppc_msix_win mw;
static struct ppc_vcpu *vcpu;
static int bad;

static void check(bool ok, const char *what)
{
	if (!ok) {
		bad++;
		say("   !! %s\n", what);
	}
}

static int host_step(struct ppc_vcpu *v, u64 id, void *opaque)
{
	if (PPC_SYNC_KIND(id) == PPC_SYNC_KIND(PPC_SYNC_SIGNAL(0, 0)))
		say("host:  interrupt on vector %llu: write 1 to its eventfd (what VFIO does)\n",
		    (unsigned long long)(id & 0xffff));
	return ppc_msix_sync(v, id, &mw);
}

static bool guest_run(void)
{
	u64 exits = vcpu->exits[KVM_EXIT_MMIO];
	int r = ppc_prog_run(vcpu, &prog, NULL, host_step, NULL);

	if (r)
		say("   !! guest: %s\n", ppc_errmsg());
	check(!r && vcpu->exits[KVM_EXIT_MMIO] == exits,
	      "an access exited to the VMM");
	return !r;
}

static void show_xirr(unsigned int i)
{
	u64 x = prog.s[i].val;

	if (PPC_XIRR_SRC(x))
		say("guest: H_XIRR = 0x%08llx: source 0x%x (CPPR was 0x%x), after %llu call(s); H_EOI(0x%08llx) = %lld\n",
		    (unsigned long long)x, PPC_XIRR_SRC(x), PPC_XIRR_CPPR(x),
		    (unsigned long long)prog.s[i].aux,
		    (unsigned long long)x, (long long)prog.s[i + 1].aux);
	else
		say("guest: H_XIRR = 0x%08llx: nothing pending (%llu calls)\n",
		    (unsigned long long)x, (unsigned long long)prog.s[i].aux);
}

int main(void)
{
	struct kvm_ppc_pt_window_stats st;
	unsigned int ld[4], x, none, pba, i;
	struct ppc_pci_bar bar;
	struct ppc_msix_cap cap;
	struct ppc_irqchip ic;
	struct ppc_vm *vm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	say("MSI-X programmed by the guest itself, table trapped in the kernel\n");
	if (ppc_msix_virtio_open(&bar, &cap)) {
		say("!! %s\n", ppc_errmsg());
		return 1;
	}
	say("host:  virtio-net %s BAR%u at 0x%llx (%llu bytes): MSI-X table at +0x%x (%u vectors), PBA at +0x%x\n",
	    bar.bdf, cap.table_bir, (unsigned long long)bar.start,
	    (unsigned long long)bar.size, cap.table_offset, cap.nvec,
	    cap.pba_offset);
	vm = ppc_guest_create(&vcpu);
	if (!vm || ppc_xics_setup(vm, &ic, NR_SRC)) {
		say("!! VM: %s\n", ppc_errmsg());
		return 1;
	}
	say("host:  VM with an in-kernel %s; guest interrupt sources 0x%x..0x%x, priority %u, server 0; the guest runs with MSR[EE]=0 and polls H_XIRR\n",
	    ic.name, PPC_IRQ_BASE, PPC_IRQ_BASE + NR_SRC - 1, PPC_IRQ_PRIO);
	if (ppc_msix_win_add(&mw, vm, -1, &bar, WIN_GPA, cap.table_offset,
			     cap.pba_offset, cap.nvec < 4 ? cap.nvec : 4) ||
	    ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE)) {
		say("!! window: %s\n", ppc_errmsg());
		return 1;
	}
	say("host:  window: the guest's BAR at 0x%llx, its table page trapped by KVM; one eventfd per vector; the guest enabled MSI-X (Message Control 0x%04x, forwarded by the VMM)\n",
	    WIN_GPA, PPC_MSIX_CTRL_ENABLE);

	say("\n");
	say("1. The guest reads vector %u's entry as it comes out of reset\n", VEC);
	ppc_prog_init(&prog);
	for (i = 0; i < 4; i++)
		ld[i] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&mw, VEC, 4 * i));
	if (guest_run())
		say("guest: address 0x%08llx%08llx, data 0x%llx, vector control 0x%llx (masked)\n",
		    (unsigned long long)prog.s[ld[1]].val,
		    (unsigned long long)prog.s[ld[0]].val,
		    (unsigned long long)prog.s[ld[2]].val,
		    (unsigned long long)prog.s[ld[3]].val);
	check(prog.s[ld[3]].val == PPC_MSIX_CTL_MASKED, "vector not masked at reset");

	say("\n");
	say("2. The guest programs the entry: address = its MSI window 0x%llx, data = its source 0x%x, then unmasks\n",
	    PPC_MSI_WINDOW, SRC);
	ppc_prog_init(&prog);
	ppc_prog_entry(&prog, &mw, VEC, PPC_MSI_WINDOW, SRC, 0);
	for (i = 0; i < 4; i++)
		ld[i] = ppc_prog_ld(&prog, 4, ppc_msix_entry_gpa(&mw, VEC, 4 * i));
	if (guest_run())
		say("guest: reads back address 0x%08llx%08llx, data 0x%llx, vector control 0x%llx\n",
		    (unsigned long long)prog.s[ld[1]].val,
		    (unsigned long long)prog.s[ld[0]].val,
		    (unsigned long long)prog.s[ld[2]].val,
		    (unsigned long long)prog.s[ld[3]].val);
	ppc_msix_stats(mw.dev, &st);
	say("kvm:   vectors routed %llu, invalid messages %llu\n",
	    (unsigned long long)st.msix_routed,
	    (unsigned long long)st.msix_invalid_msgs);
	check(st.msix_routed == 1, "the vector is not routed");

	say("\n");
	say("3. The device interrupts on vector %u, twice\n", VEC);
	ppc_prog_init(&prog);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(VEC, 1));
	x = ppc_prog_take(&prog, 1000);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(VEC, 1));
	i = ppc_prog_take(&prog, 1000);
	none = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	if (guest_run()) {
		show_xirr(x);
		show_xirr(i);
		show_xirr(none);
	}
	check(PPC_XIRR_SRC(prog.s[x].val) == SRC &&
	      PPC_XIRR_SRC(prog.s[i].val) == SRC &&
	      !PPC_XIRR_SRC(prog.s[none].val), "wrong interrupts");

	say("\n");
	say("4. The guest masks the vector; the device interrupts; the guest finds it in the PBA and unmasks\n");
	ppc_prog_init(&prog);
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&mw, VEC, PPC_MSIX_CTL),
		    PPC_MSIX_CTL_MASKED);
	ppc_prog_sync(&prog, PPC_SYNC_SIGNAL(VEC, 1));
	none = ppc_prog_xirr(&prog, PPC_XIRR_TRIES);
	pba = ppc_prog_ld(&prog, 8, ppc_msix_pba_gpa(&mw));
	ppc_prog_st(&prog, 4, ppc_msix_entry_gpa(&mw, VEC, PPC_MSIX_CTL), 0);
	x = ppc_prog_take(&prog, 1000);
	if (guest_run()) {
		show_xirr(none);
		say("guest: PBA = 0x%llx (vector %u pending); writes 0 to vector control\n",
		    (unsigned long long)prog.s[pba].val, VEC);
		show_xirr(x);
	}
	check(!PPC_XIRR_SRC(prog.s[none].val) &&
	      prog.s[pba].val == 1ULL << VEC &&
	      PPC_XIRR_SRC(prog.s[x].val) == SRC, "masked interrupt not held or not delivered");

	say("\n");
	ppc_msix_stats(mw.dev, &st);
	say("kvm:   table/PBA accesses %llu (all in the kernel), interrupts delivered %llu, held pending %llu; exits to the VMM: %llu\n",
	    (unsigned long long)st.msix_table_accesses,
	    (unsigned long long)st.msix_delivered,
	    (unsigned long long)st.msix_pending,
	    (unsigned long long)vcpu->exits[KVM_EXIT_MMIO]);
	check(st.msix_delivered == 3, "3 interrupts expected");
	say("%s\n", bad ? "demo FAILED" :
	    "demo ok: the guest programmed MSI-X itself and received exactly its interrupts, without one exit to the VMM");

	ppc_msix_win_free(&mw);
	close(mw.dev);
	close(ic.fd);
	ppc_vm_free(vm);
	ppc_pci_unmap_bar(&bar);
	return bad ? 1 : 0;
}
