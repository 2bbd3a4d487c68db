// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress: windows change under vCPUs that use them.
 *
 * One VM (radix, or HPT on a hash host) with three vCPUs and one window
 * device holding three windows:
 *  - A: 16K of e1000e's packet buffer (BAR0 + 0x10000, a pattern the host
 *    wrote first: every word holds its own offset), through the VMM's own
 *    mapping of BAR0, placed at guest slot A1 or A2 (both 4K offsets that
 *    differ from the host's: 4K mappings);
 *  - B: pci-testdev's 4K BAR0 (its header), own mapping, slot B1 or B2;
 *  - M: virtio-net's MSI-X BAR (table trapped), slot M1 or M2, two
 *    vectors programmed by vCPU 0 to two of its XICS sources.
 * For the stress time (PTW_STRESS_SECS, default 20, or argv[1]):
 *  - vCPUs 1 and 2 load qwords of all four data slots A1, A2, B1, B2 in a
 *    loop (HPT: through their own H_ENTERed 4K mappings, data relocation
 *    on). A load must return the device's qword at that offset of the
 *    window (mapped) or the VMM's fill (it exited, and this test's MMIO
 *    handler answered it); anything else stops the guest with an
 *    assertion naming the address, the value and the expected value;
 *  - a control thread, at random: MOVEs A, B or M between their slots;
 *    REMOVEs and re-ADDs A or B; munmaps the VMM's mapping of A's or B's
 *    BAR under the window (the MMU notifier kills it), then REMOVEs it,
 *    maps the BAR again and ADDs it anew;
 *  - a signaller writes the vectors' eventfds one at a time and waits
 *    until vCPU 0, polling H_XIRR, counted that interrupt (and EOIed it):
 *    a lost interrupt is a timeout, a duplicate a count above the
 *    signals;
 *  - two churn threads create VMs with a window at the same guest
 *    address, fault it in with one load (the device's qword or an exit)
 *    and destroy them, one over pci-testdev, the other over the packet
 *    buffer: a VM that found the other's (dying) window state, e.g. by a
 *    reused LPID, would read the other device.
 * Then: no guest assertion, both outcomes (mapped, exited) seen, exits
 * counted by the VMM = exits counted by the guests, no control operation
 * failed, every signal received exactly once, VMs churned, and the
 * kernel log has no warning, bug or oops line since the test started.
 *
 * Without 4K leaves (no KVM_PPC_PTW_INFO_MAP_4K) every load at a slot
 * exits: the window VMM (ppc_ptw_vmm.c) serves those in a window from the
 * device (the guest's "device's qword" outcome) and this test's handler
 * the rest (the fill); nothing may be mapped.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/klog.h>

#include "../../kselftest.h"
#include "ppc_asm.h"
#include "ppc_kvm_util.h"
#include "ppc_msix_util.h"
#include "ppc_pattern.h"
#include "ppc_ptw_util.h"

#define HPT_ORDER	18
#define VSID		0x3456ULL
#define SEG_EA		0x10000000ULL	/* reader r's EAs: + r << 24 */

#define A_SIZE		0x4000ULL
#define A1		0x90001000ULL	/* host: +0x0 of its 64K page */
#define A2		0x90403000ULL
#define B1		0x90802000ULL	/* host: +0x4000 */
#define B2		0x90c05000ULL
#define M1		0xa0001000ULL
#define M2		0xa0402000ULL
#define CHURN_GPA	0x80002000ULL

#define NR_READERS	2
#define NVEC		2
#define NR_SRC		8
#define FILL		0x5a
#define LOADS_PER_PAGE	4

/* Guest RAM the host and the guests share */
#define STOP_GPA	0x40000ULL	/* != 0: guests stop */
#define READY_GPA	0x40008ULL	/* vCPU 0 polls H_XIRR */
#define COUNT_GPA	0x40100ULL	/* per vector, then "other" */
#define RESULT_GPA	0x40200ULL	/* per reader: mapped, exited, rounds */
#define TABLE_GPA	0x50000ULL	/* per reader: {address, expected} */
#define TABLE_STRIDE	0x1000ULL
#define IRQ_CODE_GPA	0x1000ULL
#define READER_CODE_GPA	0x5000ULL	/* + r * 0x4000 */

#define ST_PER_VECTOR_TIMEOUT_MS	5000

/* Flags and counters that other threads, or the guests, write */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)

static struct ppc_ptw_bed bed;
static struct ppc_asm code[1 + NR_READERS];
static bool hpt;
static u64 a_host_off = PPC_E1000E_PBM;

/* The VMM's MMIO handler, shared by the reader threads */
struct vmm {
	u64 loads;
	u64 bad;
	u64 bad_addr;
};

static bool in_slot(u64 a)
{
	return (a >= A1 && a < A1 + A_SIZE) || (a >= A2 && a < A2 + A_SIZE) ||
	       (a >= B1 && a < B1 + PPC_SZ_4K) || (a >= B2 && a < B2 + PPC_SZ_4K);
}

static int vmm_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	struct vmm *v = opaque;
	u64 a = run->mmio.phys_addr;

	if (run->mmio.is_write || run->mmio.len != 8 || !in_slot(a)) {
		__atomic_add_fetch(&v->bad, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&v->bad_addr, a, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&v->loads, 1, __ATOMIC_RELAXED);
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, FILL, sizeof(run->mmio.data));
	return 0;
}

/* The guest-visible address of gpa for reader r */
static u64 reader_ea(unsigned int r, u64 gpa)
{
	return hpt ? SEG_EA + ((u64)r << 24) + (gpa & 0xffffff) : gpa;
}

/* What a load at offset off of window A or B must return when mapped */
static u64 a_val(u64 off)
{
	return ppc_pattern_qword(PPC_PATTERN_TAG, a_host_off + off);
}

/*
 * Reader r's table: LOADS_PER_PAGE qwords of every 4K page of each slot,
 * each with the value the device has there. Returns the entry count.
 */
static unsigned int fill_table(struct ppc_vm *vm, unsigned int r)
{
	u64 *t = ppc_gpa_to_hva(vm, TABLE_GPA + r * TABLE_STRIDE);
	static const u64 a_slot[] = { A1, A2 }, b_slot[] = { B1, B2 };
	unsigned int n = 0, s, i;
	u64 pg, off;

	for (s = 0; s < 2; s++) {
		for (pg = 0; pg < A_SIZE; pg += PPC_SZ_4K) {
			for (i = 0; i < LOADS_PER_PAGE; i++) {
				off = pg + 0x100 * (r + 1) + 0x208 * i;
				t[2 * n] = reader_ea(r, a_slot[s] + off);
				t[2 * n + 1] = a_val(off);
				n++;
			}
		}
		for (i = 0; i < LOADS_PER_PAGE; i++) {
			off = 8 * i;
			t[2 * n] = reader_ea(r, b_slot[s] + off);
			t[2 * n + 1] = ppc_bar_rd(&bed.testdev, off, 8);
			n++;
		}
	}
	return n;
}

/* H_ENTER reader r's 4K mappings of every page of the four data slots */
static void emit_hpt_maps(struct ppc_asm *a, unsigned int r)
{
	static const struct {
		u64 gpa, size;
	} s[] = { { A1, A_SIZE }, { A2, A_SIZE }, { B1, PPC_SZ_4K },
		  { B2, PPC_SZ_4K } };
	struct ppc_hpt_map m;
	unsigned int i, id = 1;
	u64 pg;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		for (pg = 0; pg < s[i].size; pg += PPC_SZ_4K) {
			ppc_hpt_map_4k(&m, HPT_ORDER, VSID,
				       reader_ea(r, s[i].gpa + pg),
				       s[i].gpa + pg,
				       PPC_HPTE_R_I | PPC_HPTE_R_G);
			ppc_hpt_enter(a, &m, id++);
		}
	}
}

/*
 * Reader: r30 table, r29 entries, r28 STOP_GPA, r26 the fill, r24 mapped,
 * r25 exited, r23 rounds, r27 cursor, r21 address, r22 expected, r15
 * loaded. A value that is neither stops with ASSERT_FAIL(r21, r15, r22).
 */
static void emit_reader(unsigned int r, unsigned int n)
{
	struct ppc_asm *a = &code[1 + r];
	int regs[] = { 21, 15, 22 };
	u64 outer, inner, fail;
	unsigned int skip, to_mapped, to_exited, to_next;

	ppc_asm_init(a, READER_CODE_GPA + r * 0x4000ULL);
	if (hpt)
		emit_hpt_maps(a, r);
	skip = ppc_bc_fwd(a, PPC_BO_ALWAYS, 0);
	fail = ppc_here(a);
	ppc_ucall(a, PPC_UCALL_ASSERT_FAIL, 3, regs);
	ppc_b(a, fail);
	ppc_patch_here(a, skip);
	ppc_li64(a, 30, TABLE_GPA + r * TABLE_STRIDE);
	ppc_li64(a, 29, n);
	ppc_li64(a, 28, STOP_GPA);
	ppc_li64(a, 26, ppc_mmio_fill_val(FILL, 8));
	ppc_li(a, 24, 0);
	ppc_li(a, 25, 0);
	ppc_li(a, 23, 0);
	outer = ppc_here(a);
	ppc_mr(a, 27, 30);
	ppc_mtctr(a, 29);
	inner = ppc_here(a);
	ppc_ld(a, 21, 0, 27);
	ppc_ld(a, 22, 8, 27);
	if (hpt)
		ppc_data_relocate(a, true);
	ppc_ld(a, 15, 0, 21);
	if (hpt)
		ppc_data_relocate(a, false);
	ppc_cmpd(a, 15, 22);
	to_mapped = ppc_bc_fwd(a, PPC_BO_TRUE, PPC_CR0_EQ);
	ppc_cmpd(a, 15, 26);
	to_exited = ppc_bc_fwd(a, PPC_BO_TRUE, PPC_CR0_EQ);
	ppc_b(a, fail);
	ppc_patch_here(a, to_mapped);
	ppc_addi(a, 24, 24, 1);
	to_next = ppc_bc_fwd(a, PPC_BO_ALWAYS, 0);
	ppc_patch_here(a, to_exited);
	ppc_addi(a, 25, 25, 1);
	ppc_patch_here(a, to_next);
	ppc_addi(a, 27, 27, 16);
	ppc_bdnz(a, inner);
	ppc_addi(a, 23, 23, 1);
	ppc_ld(a, 14, 0, 28);
	ppc_cmpdi(a, 14, 0);
	ppc_beq(a, outer);
	ppc_li64(a, 14, RESULT_GPA + 0x40ULL * r);
	ppc_std(a, 24, 0, 14);
	ppc_std(a, 25, 8, 14);
	ppc_std(a, 23, 16, 14);
	ppc_done(a);
}

/*
 * vCPU 0: programs the NVEC entries (address = the MSI window, data =
 * source PPC_IRQ_BASE + v, unmasked) through window M at M1, sets READY,
 * then polls H_XIRR: each source taken bumps its counter at COUNT_GPA
 * and is EOIed, until STOP.
 */
static void emit_irq(u64 table)
{
	struct ppc_asm *a = &code[0];
	struct ppc_hpt_map m;
	unsigned int v, not0, not1, done, cont, other;
	u64 base = M1, loop;

	ppc_asm_init(a, IRQ_CODE_GPA);
	if (hpt) {
		ppc_hpt_map_4k(&m, HPT_ORDER, VSID, SEG_EA + (3ULL << 24),
			       M1, PPC_HPTE_R_I | PPC_HPTE_R_G);
		ppc_hpt_enter(a, &m, 1);
		base = m.ea;
		ppc_data_relocate(a, true);
	}
	ppc_li64(a, 20, base + table);
	ppc_li64(a, 21, PPC_MSI_WINDOW);
	for (v = 0; v < NVEC; v++) {
		ppc_std(a, 21, PPC_MSIX_ENTRY * v + PPC_MSIX_ADDR_LO, 20);
		ppc_li(a, 22, PPC_IRQ_BASE + v);
		ppc_stw(a, 22, PPC_MSIX_ENTRY * v + PPC_MSIX_DATA, 20);
		ppc_li(a, 22, 0);
		ppc_stw(a, 22, PPC_MSIX_ENTRY * v + PPC_MSIX_CTL, 20);
	}
	ppc_sync(a);
	if (hpt)
		ppc_data_relocate(a, false);
	ppc_li64(a, 28, STOP_GPA);
	ppc_li64(a, 27, COUNT_GPA);
	ppc_li(a, 22, 1);
	ppc_std(a, 22, READY_GPA - STOP_GPA, 28);
	loop = ppc_here(a);
	ppc_emit_xirr_poll(a, 20, 21, 100);
	ppc_andi_dot(a, 22, 20, 0xffff);
	done = ppc_bc_fwd(a, PPC_BO_TRUE, PPC_CR0_EQ);	/* nothing */
	ppc_cmpdi(a, 22, PPC_IRQ_BASE);
	not0 = ppc_bc_fwd(a, PPC_BO_FALSE, PPC_CR0_EQ);
	ppc_li(a, 23, 0);
	cont = ppc_bc_fwd(a, PPC_BO_ALWAYS, 0);
	ppc_patch_here(a, not0);
	ppc_cmpdi(a, 22, PPC_IRQ_BASE + 1);
	not1 = ppc_bc_fwd(a, PPC_BO_FALSE, PPC_CR0_EQ);
	ppc_li(a, 23, 8);
	other = ppc_bc_fwd(a, PPC_BO_ALWAYS, 0);
	ppc_patch_here(a, not1);
	ppc_li(a, 23, 8 * NVEC);			/* "other" */
	ppc_patch_here(a, other);
	ppc_patch_here(a, cont);
	ppc_add(a, 24, 27, 23);
	ppc_ld(a, 25, 0, 24);
	ppc_addi(a, 25, 25, 1);
	ppc_std(a, 25, 0, 24);
	ppc_sync(a);
	ppc_emit_eoi(a, 20, 26);
	ppc_patch_here(a, done);
	ppc_ld(a, 14, 0, 28);
	ppc_cmpdi(a, 14, 0);
	ppc_beq(a, loop);
	ppc_done(a);
}

/* A window the control thread moves around */
struct win {
	const char *name;
	struct ppc_pci_bar map;
	const char *bdf;
	int bar;
	u64 off, size;
	u64 slot[2];
	int at;
	u32 id;
};

struct ctl {
	int dev;
	struct win w[2];		/* A, B */
	struct ppc_msix_win *mw;
	u64 mslot[2];
	int mat;
	u64 *ready;
	int stop;
	u64 moves, readds, munmaps, msix_moves, fails;
	char err[256];
	unsigned int seed;
};

static void ctl_fail(struct ctl *c, const char *what)
{
	if (!c->fails++)
		snprintf(c->err, sizeof(c->err), "%s: %s", what, ppc_errmsg());
}

static int win_add(struct ctl *c, struct win *w, int at)
{
	struct kvm_ppc_pt_window k = ppc_ptw_window(&w->map, w->off, w->size,
						    w->slot[at]);
	int r = ppc_ptw_add(c->dev, &k);

	w->id = k.id;
	w->at = at;
	return r;
}

static void *ctl_fn(void *arg)
{
	struct ctl *c = arg;

	/* vCPU 0 programs the table at M1 first */
	while (!LOAD(c->stop) && !LOAD(*c->ready))
		usleep(1000);
	while (!LOAD(c->stop)) {
		unsigned int op = rand_r(&c->seed) % 6;
		struct win *w = &c->w[rand_r(&c->seed) & 1];
		int r;

		switch (op) {
		case 0:
		case 1:
			r = ppc_ptw_move(c->dev, w->id, w->slot[!w->at]);
			if (r)
				ctl_fail(c, "MOVE");
			else
				w->at = !w->at;
			c->moves++;
			break;
		case 2:
		case 3:
			r = ppc_ptw_remove(c->dev, w->id);
			if (r)
				ctl_fail(c, "REMOVE");
			usleep(rand_r(&c->seed) % 1000);
			if (win_add(c, w, rand_r(&c->seed) & 1))
				ctl_fail(c, "ADD");
			c->readds++;
			break;
		case 4:
			/* The VMM's mapping goes: the window is dead */
			ppc_pci_unmap_bar(&w->map);
			usleep(rand_r(&c->seed) % 1000);
			if (ppc_ptw_remove(c->dev, w->id))
				ctl_fail(c, "REMOVE of a dead window");
			if (ppc_pci_map_bar(w->bdf, w->bar, &w->map))
				ctl_fail(c, "mapping the BAR again");
			else if (win_add(c, w, rand_r(&c->seed) & 1))
				ctl_fail(c, "ADD over the new mapping");
			c->munmaps++;
			break;
		default:
			r = ppc_ptw_move(c->dev, c->mw->id, c->mslot[!c->mat]);
			if (r) {
				ctl_fail(c, "MOVE of the MSI-X window");
			} else {
				c->mat = !c->mat;
				c->mw->gpa = c->mslot[c->mat];
			}
			c->msix_moves++;
			break;
		}
		usleep(rand_r(&c->seed) % 2000);
	}
	return NULL;
}

struct signaller {
	struct ppc_msix_win *mw;
	u64 *count;
	u64 *ready;
	int stop;
	u64 signals[NVEC];
	u64 lost, dup, waits;
	int err;
};

static u64 ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void *signal_fn(void *arg)
{
	struct signaller *s = arg;
	unsigned int v = 0;
	u64 t0 = ms_now();

	while (!LOAD(s->stop) && !LOAD(*s->ready)) {
		if (ms_now() - t0 > 30000) {
			s->err = ETIMEDOUT;
			return NULL;
		}
		usleep(1000);
	}
	while (!LOAD(s->stop)) {
		u64 want = s->signals[v] + 1;

		if (eventfd_write(s->mw->efd[v], 1)) {
			s->err = errno;
			break;
		}
		s->signals[v] = want;
		t0 = ms_now();
		while (LOAD(s->count[v]) < want) {
			if (ms_now() - t0 > ST_PER_VECTOR_TIMEOUT_MS) {
				s->lost++;
				break;
			}
			usleep(200);
			s->waits++;
		}
		if (LOAD(s->count[v]) > want)
			s->dup++;
		v = (v + 1) % NVEC;
	}
	return NULL;
}

#define NR_CHURN	2

struct churn {
	unsigned int idx;	/* 0: pci-testdev, 1: the packet buffer */
	int stop;
	u64 vms, mapped, exited, bad, errs;
	char err[256];
	struct ppc_asm a;
};

static int churn_mmio(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque)
{
	if (!run->mmio.is_write)
		memset(run->mmio.data, FILL, sizeof(run->mmio.data));
	return 0;
}

/* One VM: a window, one load through it, teardown */
static int churn_once(struct churn *ch, struct ppc_asm *a, u64 want)
{
	struct ppc_pci_bar *b = ch->idx ? &bed.regs : &bed.testdev;
	u64 off = ch->idx ? PPC_E1000E_PBM : 0;
	struct kvm_ppc_pt_window w;
	struct ppc_vcpu *vcpu;
	struct ppc_ucall uc;
	struct ppc_vm *vm;
	int dev, r;

	vm = hpt ? ppc_hash_guest_create(&vcpu, HPT_ORDER) :
		   ppc_guest_create(&vcpu);
	if (!vm)
		return -1;
	dev = ppc_ptw_create(vm);
	w = ppc_ptw_window(b, off, PPC_SZ_4K, CHURN_GPA);
	r = dev < 0 ? dev : ppc_ptw_add(dev, &w);
	if (!r)
		r = ppc_guest_load(vcpu, a);
	if (!r)
		r = ppc_vcpu_run_expect(vcpu, PPC_UCALL_SYNC, &uc, churn_mmio,
					NULL);
	if (!r) {
		if (uc.args[0] == want)
			ch->mapped++;
		else if (uc.args[0] == ppc_mmio_fill_val(FILL, 8))
			ch->exited++;
		else if (!ch->bad++)
			snprintf(ch->err, sizeof(ch->err),
				 "churn VM %u read 0x%llx, device 0x%llx",
				 ch->idx, ULL(uc.args[0]), ULL(want));
	}
	if (dev >= 0)
		close(dev);
	ppc_vm_free(vm);
	return r;
}

static void *churn_fn(void *arg)
{
	struct churn *ch = arg;
	struct ppc_asm *a = &ch->a;
	int regs[] = { 15 };
	struct ppc_hpt_map m;
	sigset_t set;
	u64 want;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	want = ch->idx ?
	       ppc_pattern_qword(PPC_PATTERN_TAG, PPC_E1000E_PBM + PPC_TESTDEV_NAME) :
	       ppc_bar_rd(&bed.testdev, PPC_TESTDEV_NAME, 8);
	ppc_asm_init(a, PPC_GUEST_CODE_GPA);
	ppc_li64(a, 30, CHURN_GPA);
	if (hpt) {
		ppc_hpt_map_4k(&m, HPT_ORDER, VSID, SEG_EA + 0x2000, CHURN_GPA,
			       PPC_HPTE_R_I | PPC_HPTE_R_G);
		ppc_hpt_enter(a, &m, 1);
		ppc_li64(a, 30, m.ea);
		ppc_data_relocate(a, true);
	}
	ppc_ld(a, 15, PPC_TESTDEV_NAME, 30);
	if (hpt)
		ppc_data_relocate(a, false);
	ppc_ucall(a, PPC_UCALL_SYNC, 1, regs);
	ppc_done(a);
	while (!LOAD(ch->stop)) {
		ch->vms++;
		if (churn_once(ch, a, want) && !ch->errs++ && !ch->bad)
			snprintf(ch->err, sizeof(ch->err), "churn VM %llu: %s",
				 ULL(ch->vms), ppc_errmsg());
	}
	return NULL;
}

/* Kernel log lines since the start that say the kernel is unwell */
static unsigned int kernel_complaints(size_t from, size_t *len)
{
	static const char * const bad[] = {
		"WARNING:", "BUG:", "Oops", "Call Trace", "Unable to handle",
	};
	static char buf[1 << 20];
	unsigned int n = 0, i;
	int got = klogctl(3, buf, sizeof(buf) - 1);
	char *line, *save;

	if (got < 0) {
		*len = 0;
		return 0;
	}
	buf[got] = '\0';
	*len = got;
	if ((size_t)got < from)
		from = 0;
	for (line = strtok_r(buf + from, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (strstr(line, bad[i])) {
				if (n++ < 4)
					ksft_print_msg("kernel: %s\n", line);
				break;
			}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	struct ppc_vcpu_thread th[1 + NR_READERS];
	struct ppc_vcpu *vcpu[1 + NR_READERS];
	struct kvm_ppc_pt_window_stats st;
	struct signaller sig = { 0 };
	static struct churn ch[NR_CHURN];
	struct ctl c = { 0 };
	struct vmm vmm = { 0 };
	struct ppc_pci_bar vbar;
	struct ppc_msix_cap cap;
	struct ppc_msix_win mw;
	struct ppc_irqchip ic;
	pthread_t ctl_t, sig_t, churn_t[NR_CHURN];
	u64 mapped = 0, exited = 0, rounds = 0, signals = 0, got = 0;
	u64 vms = 0, vm_mapped = 0, vm_exited = 0, vm_bad = 0, vm_errs = 0;
	unsigned int secs = 20, i, n[NR_READERS], complaints;
	const char *env = getenv("PTW_STRESS_SECS");
	u64 *cnt, *res;
	size_t klog0, klog1;
	struct ppc_vm *vm;
	sigset_t set;
	int dev, r, rr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (argc > 1)
		secs = strtoul(argv[1], NULL, 0);
	else if (env && *env)
		secs = strtoul(env, NULL, 0);
	if (!secs)
		secs = 1;
	r = ppc_hash_host();
	if (r < 0)
		ksft_exit_fail_msg("/dev/kvm: %s\n", ppc_errmsg());
	hpt = r;
	if (ppc_ptw_bed_open(&bed))
		ksft_exit_skip("test bed: %s\n", ppc_errmsg());
	if (!ppc_ptw_bed_shared(&bed) || sysconf(_SC_PAGESIZE) != PPC_SZ_64K)
		ksft_exit_skip("not the test bed's layout\n");
	if (ppc_msix_virtio_open(&vbar, &cap))
		ksft_exit_fail_msg("%s\n", ppc_errmsg());
	if (cap.nvec < NVEC)
		ksft_exit_skip("virtio-net has %u MSI-X vectors\n", cap.nvec);
	ksft_set_plan(6);
	kernel_complaints(0, &klog0);
	if (ppc_pbm_fill(&bed.regs, PPC_PATTERN_TAG, PPC_E1000E_PBM,
			 PPC_E1000E_PBM_SIZE))
		ksft_exit_fail_msg("pattern: %s\n", ppc_errmsg());
	ppc_testdev_select(&bed.testdev, 0);

	/* SIGALRM is the churn threads' KVM_RUN watchdog only */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	vm = hpt ? ppc_hash_guest_create(&vcpu[0], HPT_ORDER) :
		   ppc_guest_create(&vcpu[0]);
	if (!vm)
		ksft_exit_fail_msg("guest: %s\n", ppc_errmsg());
	for (i = 1; i <= NR_READERS; i++) {
		vcpu[i] = ppc_guest_add_vcpu(vm, i);
		if (!vcpu[i])
			ksft_exit_fail_msg("vCPU %u: %s\n", i, ppc_errmsg());
	}
	if (ppc_xics_setup(vm, &ic, NR_SRC))
		ksft_exit_fail_msg("interrupt controller: %s\n", ppc_errmsg());
	dev = ppc_ptw_create(vm);
	if (dev < 0)
		ksft_exit_fail_msg("window device: %s\n", ppc_errmsg());

	c.dev = dev;
	c.seed = 1;
	c.w[0] = (struct win){ .name = "A", .bdf = bed.regs.bdf,
			       .bar = bed.regs.bar, .off = a_host_off,
			       .size = A_SIZE, .slot = { A1, A2 } };
	c.w[1] = (struct win){ .name = "B", .bdf = bed.testdev.bdf,
			       .bar = bed.testdev.bar, .off = 0,
			       .size = PPC_SZ_4K, .slot = { B1, B2 } };
	for (i = 0; i < 2; i++) {
		if (ppc_pci_map_bar(c.w[i].bdf, c.w[i].bar, &c.w[i].map) ||
		    win_add(&c, &c.w[i], 0))
			ksft_exit_fail_msg("window %s: %s\n", c.w[i].name,
					   ppc_errmsg());
	}
	if (ppc_msix_win_add(&mw, vm, dev, &vbar, M1, cap.table_offset,
			     cap.pba_offset, NVEC) ||
	    ppc_msix_set_ctrl(&mw, PPC_MSIX_CTRL_ENABLE))
		ksft_exit_fail_msg("MSI-X window: %s\n", ppc_errmsg());
	c.mw = &mw;
	c.mslot[0] = M1;
	c.mslot[1] = M2;

	emit_irq(cap.table_offset);
	for (i = 0; i < NR_READERS; i++) {
		n[i] = fill_table(vm, i);
		emit_reader(i, n[i]);
	}
	for (i = 0; i <= NR_READERS; i++) {
		if (code[i].err)
			ksft_exit_fail_msg("guest code %u: %s\n", i, code[i].err);
		if (ppc_guest_load(vcpu[i], &code[i]))
			ksft_exit_fail_msg("vCPU %u: %s\n", i, ppc_errmsg());
	}
	cnt = ppc_gpa_to_hva(vm, COUNT_GPA);
	res = ppc_gpa_to_hva(vm, RESULT_GPA);
	ksft_print_msg("%s guest, %u readers x %u loads per round, windows A (e1000e packet buffer 16K) B (pci-testdev) M (virtio-net MSI-X, %u vectors), %u s, %ld CPUs\n",
		       hpt ? "HPT" : "radix", NR_READERS, n[0], NVEC, secs,
		       sysconf(_SC_NPROCESSORS_ONLN));

	sig.mw = &mw;
	sig.count = cnt;
	sig.ready = ppc_gpa_to_hva(vm, READY_GPA);
	c.ready = sig.ready;
	r = ppc_vcpu_thread_start(&th[0], vcpu[0], NULL, NULL);
	for (i = 1; !r && i <= NR_READERS; i++)
		r = ppc_vcpu_thread_start(&th[i], vcpu[i], vmm_mmio, &vmm);
	if (r || pthread_create(&ctl_t, NULL, ctl_fn, &c) ||
	    pthread_create(&sig_t, NULL, signal_fn, &sig))
		ksft_exit_fail_msg("threads: %s\n", ppc_errmsg());
	for (i = 0; i < NR_CHURN; i++) {
		ch[i].idx = i;
		if (pthread_create(&churn_t[i], NULL, churn_fn, &ch[i]))
			ksft_exit_fail_msg("churn thread\n");
	}

	sleep(secs);

	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(ctl_t, NULL);
	for (i = 0; i < NR_CHURN; i++) {
		__atomic_store_n(&ch[i].stop, 1, __ATOMIC_RELEASE);
		pthread_join(churn_t[i], NULL);
	}
	__atomic_store_n(&sig.stop, 1, __ATOMIC_RELEASE);
	pthread_join(sig_t, NULL);
	__atomic_store_n((u64 *)ppc_gpa_to_hva(vm, STOP_GPA), 1, __ATOMIC_RELEASE);
	rr = 0;
	for (i = 0; i <= NR_READERS; i++) {
		r = ppc_vcpu_thread_join(&th[i], 60);
		if (r || th[i].result) {
			ksft_print_msg("vCPU %u: %s\n", i,
				       r ? ppc_errmsg() : th[i].err);
			rr = rr ? rr : -1;
		}
	}
	for (i = 0; i < NR_READERS; i++) {
		ksft_print_msg("reader %u: %llu rounds, %llu loads mapped, %llu exited\n",
			       i + 1, ULL(res[8 * i + 2]), ULL(res[8 * i]),
			       ULL(res[8 * i + 1]));
		mapped += res[8 * i];
		exited += res[8 * i + 1];
		rounds += res[8 * i + 2];
	}
	ppc_ptw_stats(dev, &st);
	ppc_ptw_stats_print("window device", &st);
	ksft_print_msg("control: %llu MOVEs, %llu REMOVE+ADDs, %llu munmaps of the host BAR, %llu MSI-X window MOVEs, %llu failed%s%s\n",
		       ULL(c.moves), ULL(c.readds), ULL(c.munmaps),
		       ULL(c.msix_moves), ULL(c.fails), c.fails ? ": " : "",
		       c.err);

	ksft_test_result(!rr && rounds >= NR_READERS && mapped && exited &&
			 (ppc_ptw_maps_4k ? st.maps_4k > 0 :
					    !st.maps_4k && !st.maps_direct),
			 "%llu rounds of loads by %u vCPUs: each read the device's qword (%llu) or exited (%llu), no other value; %s\n",
			 ULL(rounds), NR_READERS, ULL(mapped), ULL(exited),
			 ppc_ptw_mode_str());
	ksft_test_result(!vmm.bad && vmm.loads == exited,
			 "the VMM handled %llu load exits, the guests counted %llu; %llu exits outside the slots (last 0x%llx)\n",
			 ULL(vmm.loads), ULL(exited), ULL(vmm.bad),
			 ULL(vmm.bad_addr));
	ksft_test_result(!c.fails && c.moves && c.readds && c.munmaps &&
			 c.msix_moves,
			 "window changes under the vCPUs: %llu MOVE, %llu REMOVE+ADD, %llu munmap+remap, %llu MSI-X MOVE, none failed\n",
			 ULL(c.moves), ULL(c.readds), ULL(c.munmaps),
			 ULL(c.msix_moves));

	for (i = 0; i < NVEC; i++) {
		ksft_print_msg("vector %u: %llu signalled, %llu received\n", i,
			       ULL(sig.signals[i]), ULL(cnt[i]));
		signals += sig.signals[i];
		got += cnt[i];
	}
	ksft_print_msg("other sources taken: %llu; %llu waits; %s\n",
		       ULL(cnt[NVEC]), ULL(sig.waits),
		       sig.err ? strerror(sig.err) : "ok");
	ksft_test_result(!sig.err && signals && got == signals && !sig.lost &&
			 !sig.dup && !cnt[NVEC],
			 "MSI-X: %llu interrupts signalled one at a time through the moving trapped table, %llu received: %llu lost, %llu duplicated\n",
			 ULL(signals), ULL(got), ULL(sig.lost), ULL(sig.dup));
	for (i = 0; i < NR_CHURN; i++) {
		ksft_print_msg("churn %u (%s): %llu VMs, %llu mapped, %llu exited, %llu read another device, %llu failed%s%s\n",
			       i, i ? "packet buffer" : "pci-testdev",
			       ULL(ch[i].vms), ULL(ch[i].mapped),
			       ULL(ch[i].exited), ULL(ch[i].bad),
			       ULL(ch[i].errs),
			       ch[i].bad || ch[i].errs ? "; first: " : "",
			       ch[i].err);
		vms += ch[i].vms;
		vm_mapped += ch[i].mapped;
		vm_exited += ch[i].exited;
		vm_bad += ch[i].bad;
		vm_errs += ch[i].errs;
	}
	ksft_test_result(!vm_bad && !vm_errs && ch[0].vms && ch[1].vms,
			 "%llu VMs created by %u threads at once with a window each, faulted (%llu read their own device, %llu exited, %llu another's) and destroyed meanwhile; %llu failed\n",
			 ULL(vms), NR_CHURN, ULL(vm_mapped), ULL(vm_exited),
			 ULL(vm_bad), ULL(vm_errs));

	ppc_msix_win_free(&mw);
	for (i = 0; i < 2; i++)
		ppc_pci_unmap_bar(&c.w[i].map);
	close(dev);
	ppc_vm_free(vm);
	complaints = kernel_complaints(klog0, &klog1);
	ksft_test_result(!complaints,
			 "the kernel log is clean since the test started: %u warning/bug/oops lines\n",
			 complaints);
	ppc_testdev_select(&bed.testdev, PPC_TESTDEV_NR_TESTS);
	ppc_pci_unmap_bar(&vbar);
	ppc_ptw_bed_close(&bed);
	ksft_finished();
}
