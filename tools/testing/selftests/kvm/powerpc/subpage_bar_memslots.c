// SPDX-License-Identifier: GPL-2.0-only
/*
 * Windows beside memslots: guest RAM and passthrough IO windows in one
 * 2M region (radix guests).
 *
 * The layout every e1000e passthrough gets from SLOF: BAR0 and BAR1, 128K
 * each, with memslots (here two 128K RAM memslots, A and B, B
 * dirty-logged), and a 16K BAR that needs a window (here 16K of e1000e's
 * packet buffer, which holds a pattern the host wrote, at a 4K offset
 * that differs from the host's), plus the pci-testdev's 4K BAR through a
 * second window, all in one 2M region. In the same guest runs: RAM reads
 * its known contents and the windows the device's, RAM takes stores and
 * reads them back, the dirty log reports exactly the RAM pages stored
 * to, the VMM replacing a RAM page's backing (MMU notifier) is seen by
 * the guest, a window REMOVE leaves the RAM working, and a memslot
 * deleted and re-added beside a live window works.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) the windows' accesses
 * exit and the window VMM (ppc_ptw_vmm.c) serves them from the devices;
 * the RAM beside them works the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../../kselftest.h"
#include "ppc_kvm_util.h"
#include "ppc_pattern.h"
#include "ppc_ptw_util.h"

#define REGION		0x80000000ULL		/* one 2M region */
#define RAM_A		(REGION + 0x00000)	/* 128K memslot */
#define RAM_B		(REGION + 0x20000)	/* 128K memslot, dirty-logged */
#define RAM_SIZE	0x20000ULL
#define WIN_PBM		(REGION + 0x43000)	/* 16K of e1000e's PBM */
#define WIN_PBM_SIZE	0x4000ULL
#define WIN_TD		(REGION + 0x52000)	/* pci-testdev BAR0 */
#define MAX_ACC		512

static struct ppc_ptw_bed bed;
static struct ppc_pci_bar *td = &bed.testdev;
static struct ppc_vcpu *vcpu;
static struct ppc_vm *vm;
static int dev;
static u64 *ram_a, *ram_b;
static u32 slot_b;

/* Known RAM contents: the tag and the guest address of each qword */
static u64 ram_word(u32 tag, u64 gpa)
{
	return (u64)tag << 48 | gpa;
}

static void ram_fill(u64 *hva, u64 gpa, u64 size, u32 tag)
{
	u64 i;

	for (i = 0; i < size / 8; i++)
		hva[i] = ram_word(tag, gpa + 8 * i);
}

static struct ppc_access acc[MAX_ACC];
static u64 want[MAX_ACC];
static unsigned int nacc;
/* Window accesses queued (acc_windows()), and how many the VMM served */
static u64 nwin, served;

static void acc_reset(void)
{
	nacc = 0;
	nwin = 0;
	memset(acc, 0, sizeof(acc));
}

static void acc_load(u64 gpa, u64 expect)
{
	if (nacc == MAX_ACC)
		ksft_exit_fail_msg("too many accesses\n");
	acc[nacc].gpa = gpa;
	acc[nacc].size = 8;
	want[nacc++] = expect;
}

static void acc_store(u64 gpa, u64 val)
{
	if (nacc == MAX_ACC)
		ksft_exit_fail_msg("too many accesses\n");
	acc[nacc].gpa = gpa;
	acc[nacc].size = 8;
	acc[nacc].write = true;
	acc[nacc++].val = val;
}

/* A load of the first qword of every 4K piece of a RAM range */
static void acc_ram(u64 gpa, u64 size, const u64 *hva)
{
	u64 o;

	for (o = 0; o < size; o += PPC_SZ_4K)
		acc_load(gpa + o + 8 * ((o >> 12) & 7), hva[(o >> 3) + ((o >> 12) & 7)]);
}

/* Every 4K page of the PBM window (three qwords each), the testdev header */
static void acc_windows(bool pbm)
{
	u64 o;

	for (o = 0; pbm && o < WIN_PBM_SIZE; o += 0x800, nwin++)
		acc_load(WIN_PBM + o + 0x18,
			 ppc_pattern_qword(PPC_PATTERN_TAG, PPC_E1000E_PBM + o + 0x18));
	acc_load(WIN_TD + 0, ppc_bar_rd(td, 0, 8));
	acc_load(WIN_TD + PPC_TESTDEV_NAME, ppc_bar_rd(td, PPC_TESTDEV_NAME, 8));
	nwin += 2;
}

/*
 * Without 4K leaves the RAM beside a window is KVM's own 64K leaves, and
 * nested under a KVM L0 KVM_GET_DIRTY_LOG reports none of an L2's stores
 * to such RAM in our emulated hosts, with or without a window device:
 * KVM's nested path, not ours (README "Nested, end to end"). There the
 * dirty-log results are reported as skipped, with that reason.
 */
static bool dirty_log_skipped(void)
{
	if (ppc_ptw_maps_4k || !ppc_host_on_pseries() || !ppc_host_l0_is_kvm())
		return false;
	ksft_test_result_skip("%s\n",
			      "dirty log of KVM's 64K leaves under a KVM L0: none here, windows or not (README)");
	return true;
}

/* The last run's window accesses exited only without 4K leaves */
static bool windows_served_ok(void)
{
	if (served != PPC_PTW_EXPECT(0, nwin))
		ksft_print_msg("%llu window accesses, %llu served by the VMM\n",
			       ULL(nwin), ULL(served));
	return served == PPC_PTW_EXPECT(0, nwin);
}

/*
 * Run the accesses; every load must give its expected value. Returns the
 * number of wrong loads (or -1 if the run failed); MMIO exits, answered
 * with 0xa5 fill, are counted in *exits, those the window VMM served in
 * served.
 */
static int acc_run(const char *what, u64 *exits)
{
	struct ppc_mmio_log log;
	unsigned int i, bad = 0;
	int r;

	ppc_mmio_log_init(&log, 4, 0xa5);
	ppc_vcpu_clear_stats(vcpu);
	r = ppc_guest_run_accesses(vcpu, acc, nacc, ppc_mmio_log_fn, &log);
	*exits = log.n;
	served = vcpu->served_mmio;
	for (i = 0; i < log.n && i < 4; i++)
		ksft_print_msg("%s: exit to the VMM at 0x%llx\n", what,
			       ULL(log.rec[i].addr));
	ppc_mmio_log_free(&log);
	if (r) {
		ksft_print_msg("%s: %s\n", what, ppc_errmsg());
		return -1;
	}
	for (i = 0; i < nacc; i++) {
		if (acc[i].write || acc[i].val == want[i])
			continue;
		if (bad++ < 6)
			ksft_print_msg("%s: load at 0x%llx: 0x%llx, expected 0x%llx\n",
				       what, ULL(acc[i].gpa), ULL(acc[i].val),
				       ULL(want[i]));
	}
	return bad;
}

static int add_window(struct kvm_ppc_pt_window *w, struct ppc_pci_bar *b,
		      u64 off, u64 size, u64 gpa)
{
	*w = ppc_ptw_window(b, off, size, gpa);
	return ppc_ptw_add(dev, w);
}

static u64 *ram_map(u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %m\n");
	return p;
}

/* Bit i of the dirty log of B (one bit per 64K page) */
static int dirty_log_b(unsigned long *bits)
{
	struct kvm_dirty_log dl = { .slot = slot_b };

	*bits = 0;
	dl.dirty_bitmap = bits;
	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &dl) ? -errno : 0;
}

static void test_add(struct kvm_ppc_pt_window *pbm, struct kvm_ppc_pt_window *tdw)
{
	int ra, rb, rp, rt;

	ram_a = ram_map(RAM_SIZE);
	ram_b = ram_map(RAM_SIZE);
	ram_fill(ram_a, RAM_A, RAM_SIZE, 0xa11a);
	ram_fill(ram_b, RAM_B, RAM_SIZE, 0xb22b);
	ra = ppc_vm_add_memslot(vm, RAM_A, RAM_SIZE, ram_a, 0);
	rb = ppc_vm_add_memslot(vm, RAM_B, RAM_SIZE, ram_b,
				KVM_MEM_LOG_DIRTY_PAGES);
	slot_b = vm->slots[vm->nr_slots - 1].slot;
	rp = add_window(pbm, &bed.regs, PPC_E1000E_PBM, WIN_PBM_SIZE, WIN_PBM);
	if (rp)
		ksft_print_msg("ADD of the PBM window: %s\n", ppc_errmsg());
	rt = add_window(tdw, td, 0, td->size, WIN_TD);
	if (rt)
		ksft_print_msg("ADD of the testdev window: %s\n", ppc_errmsg());
	ksft_test_result(ra >= 0 && rb >= 0 && !rp && !rt,
			 "two 128K memslots and two windows (16K, 4K) in one 2M region\n");
	if (ra < 0 || rb < 0 || rp || rt)
		ksft_exit_fail_msg("cannot go on\n");
}

static void test_read(void)
{
	struct kvm_ppc_pt_window_stats st;
	u64 exits;
	int bad;

	acc_reset();
	acc_ram(RAM_A, RAM_SIZE, ram_a);	/* KVM's 64K table first */
	acc_windows(true);			/* then the windows: converted */
	acc_ram(RAM_B, RAM_SIZE, ram_b);	/* RAM into the 4K table */
	acc_ram(RAM_A, RAM_SIZE, ram_a);
	bad = acc_run("read", &exits);
	ksft_test_result(!bad && !exits && windows_served_ok(),
			 "one run reads RAM (two memslots) and both windows' device bytes in one 2M region, %s\n",
			 PPC_PTW_EXPECT("no VMM exit", "the windows' through the VMM"));
	ppc_ptw_stats(dev, &st);
	ppc_ptw_stats_print("stats", &st);
	ksft_test_result(st.maps_4k == PPC_PTW_EXPECT(5, 0) &&
			 st.vmm_exits == PPC_PTW_EXPECT(0, nwin) &&
			 !st.maps_direct,
			 "the windows' 5 pages %s (maps_4k %llu)\n",
			 ppc_ptw_mode_str(), ULL(st.maps_4k));
}

static void test_write(void)
{
	unsigned long bits;
	unsigned int bad = 0;
	u64 exits, o;
	int r;

	dirty_log_b(&bits);	/* start the log afresh */
	acc_reset();
	for (o = 0; o < RAM_SIZE; o += PPC_SZ_4K) {
		acc_store(RAM_A + o + 0x10, ram_word(0x5a5a, RAM_A + o));
		acc_store(RAM_B + o + 0x10, ram_word(0x6b6b, RAM_B + o));
	}
	for (o = 0; o < RAM_SIZE; o += PPC_SZ_4K) {
		acc_load(RAM_A + o + 0x10, ram_word(0x5a5a, RAM_A + o));
		acc_load(RAM_B + o + 0x10, ram_word(0x6b6b, RAM_B + o));
	}
	acc_windows(true);
	r = acc_run("write", &exits);
	for (o = 0; o < RAM_SIZE; o += PPC_SZ_4K)
		bad += ram_a[(o + 0x10) / 8] != ram_word(0x5a5a, RAM_A + o) ||
		       ram_b[(o + 0x10) / 8] != ram_word(0x6b6b, RAM_B + o);
	ksft_test_result(!r && !exits && !bad && windows_served_ok(),
			 "guest stores to RAM beside the windows read back, the VMM sees them (%u wrong)\n",
			 bad);
	r = dirty_log_b(&bits);
	ksft_print_msg("dirty log of B after stores: 0x%lx\n", bits);
	if (!dirty_log_skipped())
		ksft_test_result(!r && bits == 3,
				 "KVM_GET_DIRTY_LOG reports both 64K pages of B after stores (0x%lx)\n",
				 bits);
}

/* Stores into one page of B at a time: the log names exactly that page */
static void test_dirty_log(void)
{
	unsigned long bits[3];
	u64 exits;
	int r[3], bad = 0;

	acc_reset();
	acc_store(RAM_B + PPC_SZ_64K + 0x3008, 0x1111);
	acc_windows(true);
	bad += acc_run("dirty 1", &exits) || exits || !windows_served_ok();
	r[0] = dirty_log_b(&bits[0]);
	acc_reset();
	acc_store(RAM_B + 0xf000, 0x2222);
	acc_load(RAM_B + PPC_SZ_64K + 0x3008, 0x1111);
	bad += acc_run("dirty 0", &exits) || exits;
	r[1] = dirty_log_b(&bits[1]);
	acc_reset();
	acc_load(RAM_B + 0xf000, 0x2222);
	acc_load(RAM_B + PPC_SZ_64K + 0x3008, 0x1111);
	acc_windows(true);
	bad += acc_run("no store", &exits) || exits || !windows_served_ok();
	r[2] = dirty_log_b(&bits[2]);
	ksft_print_msg("dirty log of B: 0x%lx, 0x%lx, 0x%lx\n", bits[0],
		       bits[1], bits[2]);
	if (!dirty_log_skipped())
		ksft_test_result(!bad && !r[0] && !r[1] && !r[2] && bits[0] == 2 &&
				 bits[1] == 1 && bits[2] == 0,
				 "the dirty log names exactly the RAM page the guest stored to, then none\n");
}

/*
 * The VMM replaces A's second 64K page: the guest must see the new one.
 * The new page is filled before it moves in (mremap), so it is another
 * physical page than the old one, which a stale mapping would still show.
 */
static void test_notifier(void)
{
	u64 *second = (u64 *)((char *)ram_a + PPC_SZ_64K), exits;
	u64 *fresh = ram_map(PPC_SZ_64K);
	void *p;
	int bad;

	ram_fill(fresh, RAM_A + PPC_SZ_64K, PPC_SZ_64K, 0xc33c);
	p = mremap(fresh, PPC_SZ_64K, PPC_SZ_64K, MREMAP_MAYMOVE | MREMAP_FIXED,
		   second);
	if (p != second)
		ksft_exit_fail_msg("mremap: %m\n");
	acc_reset();
	acc_ram(RAM_A, RAM_SIZE, ram_a);
	acc_windows(true);
	acc_ram(RAM_B, RAM_SIZE, ram_b);
	bad = acc_run("after remap", &exits);
	ksft_test_result(!bad && !exits && windows_served_ok(),
			 "the VMM replaces a RAM page beside the windows (MMU notifier): the guest reads the new contents\n");
}

static void test_remove(struct kvm_ppc_pt_window *pbm)
{
	u64 exits, o;
	int r, bad;

	r = ppc_ptw_remove(dev, pbm->id);
	acc_reset();
	acc_store(RAM_A + 0x28, 0x7777);
	acc_store(RAM_B + PPC_SZ_64K + 0x28, 0x8888);
	acc_load(RAM_A + 0x28, 0x7777);
	acc_load(RAM_B + PPC_SZ_64K + 0x28, 0x8888);
	acc_ram(RAM_A, RAM_SIZE, ram_a);
	acc_ram(RAM_B, RAM_SIZE, ram_b);
	acc_windows(false);
	for (o = 0; o < WIN_PBM_SIZE; o += PPC_SZ_4K)
		acc_load(WIN_PBM + o, 0xa5a5a5a5a5a5a5a5ULL);	/* the VMM's */
	bad = acc_run("after REMOVE", &exits);
	ksft_test_result(!r && !bad && exits == WIN_PBM_SIZE / PPC_SZ_4K &&
			 windows_served_ok(),
			 "after REMOVE of the 16K window, RAM beside it reads and takes stores, its pages exit to the VMM (%llu exits)\n",
			 ULL(exits));
}

static void test_memslot_again(struct kvm_ppc_pt_window *pbm)
{
	u64 exits, *fresh;
	int bad, r, rp;

	/* A goes, with the testdev window live in its region */
	r = ppc_vm_del_memslot(vm, RAM_A);
	acc_reset();
	acc_load(RAM_A + 0x10000, 0xa5a5a5a5a5a5a5a5ULL);
	acc_windows(false);
	acc_ram(RAM_B, RAM_SIZE, ram_b);
	bad = acc_run("memslot deleted", &exits);
	ksft_test_result(!r && !bad && exits == 1 && windows_served_ok(),
			 "a memslot deleted beside a live window: its page exits, the rest works\n");

	/* A comes back with other contents, then the 16K window too */
	fresh = ram_map(RAM_SIZE);
	ram_fill(fresh, RAM_A, RAM_SIZE, 0xd44d);
	r = ppc_vm_add_memslot(vm, RAM_A, RAM_SIZE, fresh, 0);
	rp = add_window(pbm, &bed.regs, PPC_E1000E_PBM, WIN_PBM_SIZE, WIN_PBM);
	acc_reset();
	acc_ram(RAM_A, RAM_SIZE, fresh);
	acc_windows(true);
	acc_ram(RAM_B, RAM_SIZE, ram_b);
	bad = acc_run("memslot re-added", &exits);
	ksft_test_result(r >= 0 && !rp && !bad && !exits && windows_served_ok(),
			 "the memslot re-added beside the live window, and the 16K window again: all read right\n");
}

int main(void)
{
	struct kvm_ppc_pt_window pbm, tdw;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	if (td->size != PPC_SZ_4K || sysconf(_SC_PAGESIZE) != PPC_SZ_64K ||
	    bed.regs.size < PPC_E1000E_PBM + PPC_E1000E_PBM_SIZE)
		ksft_exit_skip("not the test bed's layout\n");
	ksft_set_plan(10);
	vm = ppc_guest_create(&vcpu);
	if (!vm)
		ksft_exit_fail_msg("creating the guest: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("window device: %s\n", ppc_errmsg());
	ppc_testdev_select(td, 0);
	if (ppc_pbm_fill(&bed.regs, PPC_PATTERN_TAG, PPC_E1000E_PBM,
			 WIN_PBM_SIZE))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());

	test_add(&pbm, &tdw);
	test_read();
	test_write();
	test_dirty_log();
	test_notifier();
	test_remove(&pbm);
	test_memslot_again(&pbm);

	ppc_testdev_select(td, PPC_TESTDEV_NR_TESTS);
	close(dev);
	ppc_vm_free(vm);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
