// SPDX-License-Identifier: GPL-2.0-only
/*
 * A passthrough IO window maps a sub-page BAR at another 4K offset.
 *
 * The pci-testdev's 4K BAR0 sits at offset 0x4000 of a 64K host page; the
 * guest places its copy at offset 0x2000 of its own 64K page, where no
 * host-page mapping can serve it. With a window, the guest's loads of the
 * device header give what the host reads through its own mapping, the
 * guest's stores reach the device (doorbell counted, test selected), the
 * window's page was mapped with one 4K mapping (stats, trace) and no access
 * exited to the VMM. The same holds for every 4K placement of the guest BAR
 * in its 64K page, the host's own offset included.
 *
 * Where window pages cannot map with 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K:
 * a nested host whose L0 does not walk them) the same guest code runs and
 * reads the same device bytes, but every access exits to the VMM once
 * (served by the window VMM of ppc_ptw_vmm.c) and nothing is mapped.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_asm.h"
#include "ppc_ptw_util.h"

#define GUEST_BAR	0x80002000ULL	/* offset 0x2000 in its 64K page */
#define PLACE_BASE	0x80400000ULL	/* a 64K page for the 16 placements */

static struct ppc_asm code;
static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;
static bool have_trace;

static const struct {
	int size;
	u64 off;
} hdr_loads[] = {
	{ 1, PPC_TESTDEV_TEST }, { 1, PPC_TESTDEV_WIDTH }, { 2, 2 },
	{ 4, PPC_TESTDEV_OFFSET }, { 1, PPC_TESTDEV_DATA },
	{ 4, PPC_TESTDEV_COUNT }, { 8, PPC_TESTDEV_NAME },
	{ 8, PPC_TESTDEV_NAME + 8 }, { 4, PPC_TESTDEV_NAME + 4 },
	{ 2, PPC_TESTDEV_NAME + 2 }, { 8, 0 }, { 8, 8 }, { 4, 0x40 },
};

static void test_add(int dev, struct kvm_ppc_pt_window *w)
{
	int r;

	*w = ppc_ptw_window(td, 0, td->size, GUEST_BAR);
	r = ppc_ptw_add(dev, w);
	ksft_print_msg("window: guest 0x%llx (+0x%llx in its 64K page) -> host 0x%llx (+0x%zx), size 0x%llx: %s, id %u\n",
		       ULL(w->guest_addr), ULL(w->guest_addr & (PPC_SZ_64K - 1)),
		       ULL(td->start), td->offset, ULL(w->size),
		       r ? ppc_errmsg() : "added", w->id);
	if (r)
		ksft_exit_fail_msg("KVM_DEV_PPC_PTW_ADD: %s\n", ppc_errmsg());
	ksft_test_result(w->id == 0, "ADD of the first window returns id 0 (got %u)\n",
			 w->id);
}

/* Guest loads of the header through the window equal the host's loads */
static void test_loads(struct ppc_vcpu *vcpu, int dev)
{
	struct ppc_access acc[ARRAY_SIZE(hdr_loads)] = { 0 };
	struct kvm_ppc_pt_window_stats st;
	struct ppc_ptw_fault_ev ev[8];
	unsigned int i, bad = 0, nonzero = 0;
	int r, nev = 0;
	u64 n;

	ppc_testdev_select(td, 0);
	for (i = 0; i < ARRAY_SIZE(acc); i++) {
		acc[i].gpa = GUEST_BAR + hdr_loads[i].off;
		acc[i].size = hdr_loads[i].size;
	}
	if (have_trace)
		ppc_ptw_trace_read(ev, 0);
	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_run_accesses(vcpu, acc, ARRAY_SIZE(acc), NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest loads through the window: %s\n",
				      ppc_errmsg());
		ksft_test_result_skip("no guest run\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(acc); i++) {
		u64 host = ppc_bar_rd(td, hdr_loads[i].off, hdr_loads[i].size);

		nonzero += !!host;
		if (acc[i].val != host) {
			ksft_print_msg("%d-byte load at BAR+0x%llx: guest 0x%llx, host 0x%llx\n",
				       hdr_loads[i].size, ULL(hdr_loads[i].off),
				       ULL(acc[i].val), ULL(host));
			bad++;
		}
	}
	ksft_print_msg("guest: BAR+0x4 = 0x%llx, BAR+0x10 = 0x%llx ('%.8s'); %u of %zu loads nonzero\n",
		       ULL(acc[3].val), ULL(acc[6].val), (char *)&acc[6].val,
		       nonzero, ARRAY_SIZE(acc));
	ppc_vcpu_print_stats(vcpu);
	ksft_test_result(!bad && nonzero &&
			 vcpu->exits[KVM_EXIT_MMIO] == PPC_PTW_EXPECT(0, ARRAY_SIZE(acc)) &&
			 vcpu->served_mmio == vcpu->exits[KVM_EXIT_MMIO],
			 "guest loads (1/2/4/8 bytes) of the BAR at guest +0x2000 equal the host's at +0x4000, %s\n",
			 PPC_PTW_EXPECT("no VMM exit", "each one VMM exit"));

	r = ppc_ptw_stats(dev, &st);
	ppc_ptw_stats_print("stats", &st);
	if (have_trace) {
		nev = ppc_ptw_trace_read(ev, ARRAY_SIZE(ev));
		for (i = 0; i < (unsigned int)nev && i < ARRAY_SIZE(ev); i++)
			ksft_print_msg("trace: fault gpa 0x%llx class %s hpa 0x%llx 4k-pages %u ret %d\n",
				       ULL(ev[i].gpa), ppc_ptw_class_str(ev[i].cls),
				       ULL(ev[i].hpa), ev[i].npages, ev[i].ret);
	}
	/* Without 4K leaves each load faults; the fault path says why. */
	n = PPC_PTW_EXPECT(1, ARRAY_SIZE(acc));
	ksft_test_result(!r && st.faults == n &&
			 st.maps_4k == PPC_PTW_EXPECT(1, 0) &&
			 !st.maps_direct && st.vmm_exits == PPC_PTW_EXPECT(0, n) &&
			 !st.msix_traps &&
			 (!have_trace ||
			  ((u64)nev == n && ev[0].cls == 2 && ev[0].npages == 1 &&
			   ev[0].hpa == td->start &&
			   ev[0].ret == PPC_PTW_EXPECT(0, -EOPNOTSUPP) &&
			   (ev[0].gpa & ~(PPC_SZ_4K - 1)) == GUEST_BAR)),
			 "%llu fault(s) at guest 0x%llx onto the host BAR's page 0x%llx, %s%s\n",
			 ULL(n), GUEST_BAR, ULL(td->start), ppc_ptw_mode_str(),
			 have_trace ? " (stats and trace)" : " (stats)");
}

/* Every qword of the window's page equals the host's, with no new fault */
static void test_whole_page(struct ppc_vcpu *vcpu, int dev)
{
	struct kvm_ppc_pt_window_stats before, after;
	unsigned int i, bad = 0, n = td->size / 8;
	u64 *res;
	int r;

	ppc_ptw_stats(dev, &before);
	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_scan(vcpu, GUEST_BAR, n, 8, 8, NULL, NULL, &res);
	if (r) {
		ksft_test_result_fail("guest reads the whole page: %s\n",
				      ppc_errmsg());
		return;
	}
	ppc_ptw_stats(dev, &after);
	for (i = 0; i < n; i++) {
		u64 host = ppc_bar_rd(td, 8 * i, 8);

		if (res[i] != host && bad++ < 4)
			ksft_print_msg("BAR+0x%x: guest 0x%llx host 0x%llx\n",
				       8 * i, ULL(res[i]), ULL(host));
	}
	ksft_test_result(!bad &&
			 after.faults - before.faults == PPC_PTW_EXPECT(0, n) &&
			 vcpu->exits[KVM_EXIT_MMIO] == PPC_PTW_EXPECT(0, n),
			 "all %u qwords of the window's 4K page equal the host's; %llu new faults, %llu VMM exits\n",
			 n, ULL(after.faults - before.faults),
			 ULL(vcpu->exits[KVM_EXIT_MMIO]));
}

/*
 * The guest rings test 0's doorbell: it reads the doorbell offset and data
 * from the header and stores the data byte there; the device counts it.
 */
static void test_doorbell(struct ppc_vcpu *vcpu)
{
	int regs[] = { 14, 15 };
	struct ppc_ucall uc;
	u64 before, after;
	int r;

	ppc_testdev_select(td, 0);
	before = ppc_bar_rd(td, PPC_TESTDEV_COUNT, 4);
	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 30, GUEST_BAR);
	ppc_lwz(&code, 14, PPC_TESTDEV_OFFSET, 30);
	ppc_lbz(&code, 15, PPC_TESTDEV_DATA, 30);
	ppc_add(&code, 16, 30, 14);
	ppc_stb(&code, 15, 0, 16);
	ppc_sync(&code);
	ppc_ucall(&code, PPC_UCALL_SYNC, 2, regs);
	ppc_done(&code);

	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest doorbell: %s\n", ppc_errmsg());
		return;
	}
	after = ppc_bar_rd(td, PPC_TESTDEV_COUNT, 4);
	ksft_print_msg("guest wrote 0x%llx at BAR+0x%llx; device count %llu -> %llu\n",
		       ULL(uc.args[1]), ULL(uc.args[0]), ULL(before), ULL(after));
	ksft_test_result(uc.args[0] == ppc_bar_rd(td, PPC_TESTDEV_OFFSET, 4) &&
			 uc.args[1] == ppc_bar_rd(td, PPC_TESTDEV_DATA, 1) &&
			 after == before + 1 &&
			 vcpu->exits[KVM_EXIT_MMIO] == PPC_PTW_EXPECT(0, 3),
			 "guest store through the window rings the device's doorbell (count +1, %s)\n",
			 PPC_PTW_EXPECT("no VMM exit", "3 accesses, 3 VMM exits"));
}

/* A guest store selects another test; the guest then reads it back */
static void test_select(struct ppc_vcpu *vcpu)
{
	const u64 sel = 1;
	int regs[] = { 15, 16 };
	struct ppc_ucall uc;
	char name[64];
	int r;

	ppc_testdev_select(td, 0);
	ppc_asm_init(&code, PPC_GUEST_CODE_GPA);
	ppc_li64(&code, 30, GUEST_BAR);
	ppc_li(&code, 14, sel);
	ppc_stb(&code, 14, PPC_TESTDEV_TEST, 30);
	ppc_sync(&code);
	ppc_lbz(&code, 15, PPC_TESTDEV_TEST, 30);
	ppc_ld(&code, 16, PPC_TESTDEV_NAME, 30);
	ppc_ucall(&code, PPC_UCALL_SYNC, 2, regs);
	ppc_done(&code);

	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_load(vcpu, &code);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, NULL, NULL);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_DONE, NULL, NULL, NULL);
	if (r) {
		ksft_test_result_fail("guest selects a test: %s\n",
				      ppc_errmsg());
		return;
	}
	ppc_testdev_name(td, name, sizeof(name));
	ksft_print_msg("after the guest's store: host sees test %llu '%s'; guest reads test %llu name 0x%llx\n",
		       ULL(ppc_bar_rd(td, PPC_TESTDEV_TEST, 1)), name,
		       ULL(uc.args[0]), ULL(uc.args[1]));
	ksft_test_result(ppc_bar_rd(td, PPC_TESTDEV_TEST, 1) == sel &&
			 uc.args[0] == sel &&
			 uc.args[1] == ppc_bar_rd(td, PPC_TESTDEV_NAME, 8) &&
			 vcpu->exits[KVM_EXIT_MMIO] == PPC_PTW_EXPECT(0, 3),
			 "guest store selects test %llu on the device; the guest reads the new header back\n",
			 ULL(sel));
	ppc_testdev_select(td, 0);
}

/*
 * Every 4K placement of the guest BAR in its 64K page, the host's own
 * offset (+0x4000) included, maps with one 4K mapping and reads right.
 */
static void test_placements(struct ppc_vcpu *vcpu, int dev)
{
	unsigned int k, i, bad = 0, wrong_class = 0, exits = 0;
	struct kvm_ppc_pt_window_stats before, after;
	struct ppc_access acc[4];
	struct ppc_ptw_fault_ev ev[4];

	ppc_testdev_select(td, 0);
	ppc_ptw_stats(dev, &before);
	for (k = 0; k < 16; k++) {
		u64 g = PLACE_BASE + k * PPC_SZ_4K;
		struct kvm_ppc_pt_window w = ppc_ptw_window(td, 0, td->size, g);
		int r, nev;

		r = ppc_ptw_add(dev, &w);
		if (r) {
			ksft_print_msg("placement +0x%x: %s\n", k * 0x1000,
				       ppc_errmsg());
			bad++;
			continue;
		}
		memset(acc, 0, sizeof(acc));
		for (i = 0; i < ARRAY_SIZE(acc); i++) {
			acc[i].gpa = g + 8 * i;
			acc[i].size = 8;
		}
		if (have_trace)
			ppc_ptw_trace_read(ev, 0);
		ppc_vcpu_clear_stats(vcpu);
		r = ppc_guest_run_accesses(vcpu, acc, ARRAY_SIZE(acc), NULL,
					   NULL);
		exits += vcpu->exits[KVM_EXIT_MMIO];
		for (i = 0; !r && i < ARRAY_SIZE(acc); i++)
			if (acc[i].val != ppc_bar_rd(td, 8 * i, 8))
				r = -1;
		if (have_trace) {
			nev = ppc_ptw_trace_read(ev, ARRAY_SIZE(ev));
			if (nev != PPC_PTW_EXPECT(1, ARRAY_SIZE(acc)) ||
			    ev[0].cls != 2 || ev[0].hpa != td->start)
				wrong_class++;
		}
		if (r) {
			ksft_print_msg("placement +0x%x: guest 0x%llx, host 0x%llx\n",
				       k * 0x1000, ULL(acc[0].val),
				       ULL(ppc_bar_rd(td, 0, 8)));
			bad++;
		}
		ppc_ptw_remove(dev, w.id);
	}
	ppc_ptw_stats(dev, &after);
	ksft_print_msg("16 placements: %u wrong, %llu maps_4k, %llu maps_direct, %llu unmaps, %u VMM exits\n",
		       bad, ULL(after.maps_4k - before.maps_4k),
		       ULL(after.maps_direct - before.maps_direct),
		       ULL(after.unmaps - before.unmaps), exits);
	ksft_test_result(!bad && !wrong_class &&
			 exits == PPC_PTW_EXPECT(0, 16 * ARRAY_SIZE(acc)) &&
			 after.maps_4k - before.maps_4k == PPC_PTW_EXPECT(16, 0) &&
			 after.maps_direct == before.maps_direct &&
			 after.unmaps - before.unmaps == PPC_PTW_EXPECT(16, 0),
			 "guest BAR at each of the 16 4K offsets of its 64K page (host's +0x4000 too) reads the header, %s\n",
			 PPC_PTW_EXPECT("via one 4K mapping",
					"each load one VMM exit, nothing mapped"));
}

/*
 * KVM's debugfs dump of the partition-scoped tree shows the window's page
 * as what it is: a 4K leaf at the guest BAR onto the host BAR's page, and
 * no 64K leaf anywhere in the window's 2M region.
 */
static void test_debugfs_dump(void)
{
	unsigned long gpa, pte, hits = 0, wrong = 0;
	char path[300], line[256], want[32];
	struct dirent *de;
	FILE *f = NULL;
	DIR *d;
	int shift;

	snprintf(want, sizeof(want), "%d-", getpid());
	d = opendir("/sys/kernel/debug/kvm");
	while (d && !f && (de = readdir(d))) {
		if (strncmp(de->d_name, want, strlen(want)))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s/radix",
			 de->d_name);
		f = fopen(path, "r");
	}
	if (d)
		closedir(d);
	if (!f) {
		ksft_test_result_skip("no KVM debugfs radix dump for this VM\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %lx: %lx %d", &gpa, &pte, &shift) != 3 ||
		    gpa >> 21 != GUEST_BAR >> 21)
			continue;
		if (gpa == GUEST_BAR && shift == 12 &&
		    (pte & ~0xfffUL & ((1UL << 56) - 1)) == td->start)
			hits++;
		else if (shift != 12)
			wrong++;
		ksft_print_msg("debugfs radix: %lx: %lx %d\n", gpa, pte, shift);
	}
	fclose(f);
	/* Without 4K leaves no leaf at all maps the window's 2M region. */
	ksft_test_result(hits == PPC_PTW_EXPECT(1, 0) && !wrong,
			 "debugfs radix dump: %s 0x%llx onto the BAR's host page, no 64K leaf in its 2M region\n",
			 PPC_PTW_EXPECT("a 4K leaf at", "no leaf at"), GUEST_BAR);
}

int main(void)
{
	struct kvm_ppc_pt_window w;
	struct ppc_vcpu *vcpu;
	struct ppc_vm *vm;
	int dev, cap;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	ppc_ptw_bed_print(&bed);
	if (td->offset != 0x4000 || td->size != PPC_SZ_4K ||
	    sysconf(_SC_PAGESIZE) != PPC_SZ_64K)
		ksft_exit_skip("pci-testdev BAR0 is not a 4K BAR at +0x4000 of a 64K page\n");
	ksft_set_plan(9);
	have_trace = !ppc_ptw_trace_on();
	if (!have_trace)
		ksft_print_msg("no trace events (%s): stats only\n", ppc_errmsg());

	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	cap = ppc_check_cap(vm->kvm_fd, KVM_CAP_PPC_PT_WINDOW);
	dev = ppc_ptw_create(vm);
	ksft_print_msg("KVM_CAP_PPC_PT_WINDOW = %d, device fd %d\n", cap, dev);
	ksft_test_result(cap > 0 && dev >= 0,
			 "KVM_CAP_PPC_PT_WINDOW is set and the window device is created\n");
	if (dev < 0)
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	test_add(dev, &w);
	test_loads(vcpu, dev);
	test_whole_page(vcpu, dev);
	test_doorbell(vcpu);
	test_select(vcpu);
	test_debugfs_dump();
	test_placements(vcpu, dev);

	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	ppc_ptw_trace_off();
	close(dev);
	ppc_vm_free(vm);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
