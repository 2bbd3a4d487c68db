/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X table trap selftests: the guest's interrupt controller (in-kernel
 * XICS, XICS-on-XIVE or native XIVE), a PCI function's MSI-X capability,
 * windows with an MSI-X table and their eventfds, and guest programs made
 * of simple steps (loads, stores, H_XIRR, H_EOI, stops for the host).
 *
 * Interrupts reach the guest like this: the host (playing VFIO) signals a
 * vector's eventfd; if the guest enabled MSI-X and unmasked the vector with
 * message address = the VM's MSI window and data = one of the VM's
 * interrupt sources, KVM raises that source. The guest runs with MSR[EE]
 * clear and polls the H_XIRR hcall; XIRR = old CPPR << 24 | source.
 */
#ifndef PPC_MSIX_UTIL_H
#define PPC_MSIX_UTIL_H

#include <pthread.h>
#include <time.h>
#include <linux/kvm_ppc_pt_window.h>

#include "ppc_kvm_util.h"
#include "ppc_pci_util.h"

/* PAPR hcalls of the XICS interface */
#define PPC_H_EOI		0x64
#define PPC_H_CPPR		0x68
#define PPC_H_IPI		0x6c
#define PPC_H_XIRR		0x74
#define PPC_H_SUCCESS		0

#define PPC_XIRR_SRC(x)		((u32)(x) & 0xffffff)
#define PPC_XIRR_CPPR(x)	((u32)(x) >> 24)

/* Guest interrupt sources the tests create (QEMU's spapr numbering) */
#define PPC_IRQ_BASE		0x1000
#define PPC_IRQ_PRIO		5

/* MSI-X table entry fields (PCI spec) */
#define PPC_MSIX_ADDR_LO	0
#define PPC_MSIX_ADDR_HI	4
#define PPC_MSIX_DATA		8
#define PPC_MSIX_CTL		12
#define PPC_MSIX_ENTRY		16
#define PPC_MSIX_CTL_MASKED	1

/* Message Control as the VMM forwards it */
#define PPC_MSIX_CTRL_ENABLE	0x8000
#define PPC_MSIX_CTRL_MASKALL	0x4000

#define PPC_MSIX_MAX_VEC	32

enum ppc_irqchip_kind {
	PPC_IRQCHIP_XICS,		/* emulated XICS (pseries host) */
	PPC_IRQCHIP_XICS_ON_XIVE,	/* XICS API over the host's XIVE */
	PPC_IRQCHIP_XIVE,		/* XIVE native exploitation mode */
};

struct ppc_irqchip {
	struct ppc_vm *vm;
	enum ppc_irqchip_kind kind;
	int fd;
	const char *name;
};

/*
 * The in-kernel XICS device of a VM (KVM_DEV_TYPE_XICS; on a host with
 * XIVE, KVM implements it on XIVE). Its kind is told from
 * KVM_CAP_PPC_IRQ_XIVE: a host that offers native XIVE runs XICS on XIVE.
 */
int ppc_xics_create(struct ppc_vm *vm, struct ppc_irqchip *ic);
/* Connect a vCPU as interrupt server "server" (KVM_CAP_IRQ_XICS) */
int ppc_xics_connect(struct ppc_irqchip *ic, struct ppc_vcpu *vcpu,
		     u32 server);
/* An MSI (edge) source aimed at server, with priority prio */
int ppc_xics_set_source(struct ppc_irqchip *ic, u32 irq, u32 server,
			u8 prio, bool masked);
int ppc_xics_get_source(struct ppc_irqchip *ic, u32 irq, u64 *val);
/* The vCPU's ICP: CPPR cppr, nothing pending, no IPI */
int ppc_xics_set_cppr(struct ppc_vcpu *vcpu, u8 cppr);
int ppc_xics_get_icp(struct ppc_vcpu *vcpu, u64 *val);
/*
 * Everything at once: the device, vCPU 0 (and any other vCPUs already
 * added) connected as server = vCPU id with CPPR 0xff, and sources
 * PPC_IRQ_BASE .. PPC_IRQ_BASE + nr - 1 aimed at server 0.
 */
int ppc_xics_setup(struct ppc_vm *vm, struct ppc_irqchip *ic, unsigned int nr);

/*
 * XIVE native exploitation mode (KVM_DEV_TYPE_XIVE, KVM_CAP_PPC_IRQ_XIVE):
 * the guest owns event queues in its memory and the sources' ESB pages.
 * An MSI source comes up "off" (ESB PQ = 01): a trigger is ignored until
 * the guest loads its SET_PQ_00 offset; an event is written to the queue
 * of (server, priority) as a big-endian word, generation bit 31 (1 on the
 * queue's first pass) | EISN; the guest's load of LOAD_EOI re-arms.
 */
#define PPC_XIVE_ESB_LOAD_EOI	0x000
#define PPC_XIVE_ESB_GET	0x800
#define PPC_XIVE_ESB_SET_PQ_00	0xc00
#define PPC_XIVE_ESB_SET_PQ_01	0xd00

int ppc_xive_create(struct ppc_vm *vm, struct ppc_irqchip *ic);
int ppc_xive_connect(struct ppc_irqchip *ic, struct ppc_vcpu *vcpu,
		     u32 server);
/* A new MSI source, and its target (server, priority, EISN) */
int ppc_xive_set_source(struct ppc_irqchip *ic, u32 irq);
int ppc_xive_config_source(struct ppc_irqchip *ic, u32 irq, u32 server,
			   u8 prio, u32 eisn);
/* The event queue of (server, prio) at guest address gpa, 2^qshift bytes */
int ppc_xive_set_eq(struct ppc_irqchip *ic, u32 server, u8 prio, u64 gpa,
		    u32 qshift);
int ppc_xive_get_eq(struct ppc_irqchip *ic, u32 server, u8 prio,
		    struct kvm_ppc_xive_eq *eq);
/*
 * Map the ESB pages of sources first .. first + nr - 1 (two host pages
 * each: trigger, then EOI/management) from the device and give them to
 * the guest at gpa with a memslot. Returns 0 or -errno.
 */
int ppc_xive_map_esb(struct ppc_irqchip *ic, u32 first, u32 nr, u64 gpa);

/* The MSI-X capability of a PCI function, from its sysfs config space */
struct ppc_msix_cap {
	u8 pos;			/* config space offset of the capability */
	u16 ctrl;		/* Message Control */
	u16 nvec;		/* Table Size + 1 */
	u8 table_bir;
	u32 table_offset;
	u8 pba_bir;
	u32 pba_offset;
};

int ppc_pci_msix_cap(const char *bdf, struct ppc_msix_cap *cap);

/*
 * The emulated host's virtio-net (transitional on pseries, modern on
 * powernv9): its MSI-X capability and the BAR that holds the table
 * (BAR1, 4K: table at 0, PBA at 0x800), enabled and mapped.
 */
int ppc_msix_virtio_open(struct ppc_pci_bar *bar, struct ppc_msix_cap *cap);
/* The same for a function vendor:device (e1000e: 8086:10d3, BAR3 16K) */
int ppc_msix_pci_open(u16 vendor, u16 device, struct ppc_pci_bar *bar,
		      struct ppc_msix_cap *cap);

/*
 * A window with an MSI-X table. ppc_msix_win_add() adds it on the VM's
 * window device (created if dev < 0) and attaches one eventfd per vector.
 */
struct ppc_msix_win {
	struct ppc_vm *vm;
	int dev;		/* window device */
	u32 id;
	u64 gpa;		/* guest address of the window's first byte */
	u64 size;
	u64 table;		/* table offset in the window */
	u64 pba;		/* PBA offset in the window */
	u16 nvec;
	int efd[PPC_MSIX_MAX_VEC];
};

int ppc_msix_win_add(struct ppc_msix_win *mw, struct ppc_vm *vm, int dev,
		     struct ppc_pci_bar *bar, u64 gpa, u64 table, u64 pba,
		     u16 nvec);
/* Remove the window (when still there) and close the eventfds */
void ppc_msix_win_free(struct ppc_msix_win *mw);

int ppc_msix_set_ctrl(struct ppc_msix_win *mw, u16 ctrl);
int ppc_msix_set_irq(struct ppc_msix_win *mw, u16 vector, int fd);
int ppc_msix_set_msi_window(int dev, u64 addr);
/*
 * The VMM's view of the emulated table (GRP_MSIX_ENTRY, GRP_MSIX_PBA,
 * GRP_MSIX_CTRL read, GRP_MSIX_RESET, GRP_MSIX_STATE): what RTAS
 * ibm,change-msi, a function reset and save/restore use. Each returns 0 or
 * -errno (message in ppc_errmsg()).
 */
int ppc_msix_get_entry(struct ppc_msix_win *mw, u16 vector,
		       struct kvm_ppc_pt_msix_entry *e);
int ppc_msix_set_entry(struct ppc_msix_win *mw, u16 vector,
		       const struct kvm_ppc_pt_msix_entry *e);
int ppc_msix_get_pba(struct ppc_msix_win *mw, u16 word, u64 *bits);
int ppc_msix_set_pba(struct ppc_msix_win *mw, u16 word, u64 bits);
int ppc_msix_get_ctrl(struct ppc_msix_win *mw, u16 *ctrl);
int ppc_msix_reset(struct ppc_msix_win *mw);
/* Save into buf (size bytes, written into the header first) */
int ppc_msix_save(struct ppc_msix_win *mw, void *buf, u32 size);
int ppc_msix_restore(struct ppc_msix_win *mw, const void *buf);
/* Any attribute of the window device: KVM_{SET,GET}_DEVICE_ATTR */
int ppc_ptw_attr(int dev, bool set, u32 group, u64 attr, void *addr);

/* The host signals vector v (what VFIO does on the device's interrupt) */
int ppc_msix_signal(struct ppc_msix_win *mw, u16 vector);

static inline u64 ppc_msix_entry_gpa(const struct ppc_msix_win *mw, u16 v,
				     u64 field)
{
	return mw->gpa + mw->table + PPC_MSIX_ENTRY * v + field;
}

static inline u64 ppc_msix_pba_gpa(const struct ppc_msix_win *mw)
{
	return mw->gpa + mw->pba;
}

/* MSI-X counters of the window device; d = a - b */
int ppc_msix_stats(int dev, struct kvm_ppc_pt_window_stats *st);
void ppc_msix_stats_sub(struct kvm_ppc_pt_window_stats *d,
			const struct kvm_ppc_pt_window_stats *a,
			const struct kvm_ppc_pt_window_stats *b);
void ppc_msix_stats_print(const char *what,
			  const struct kvm_ppc_pt_window_stats *st);

/*
 * Guest programs made of steps, run by ppc_guest_run_steps(). Each step's
 * result is stored by the guest and copied back to val/aux:
 *
 *   LOAD   size bytes at gpa          val = value (zero-extended)
 *   STORE  size bytes of val at gpa   -
 *   XIRR   H_XIRR up to n times until a source shows (n >= 1)
 *                                     val = XIRR, aux = tries
 *   EOI    H_EOI of val, or of the last XIRR when val == PPC_EOI_LAST
 *                                     aux = hcall return
 *   CPPR   H_CPPR of val              aux = hcall return
 *   SYNC   ucall SYNC with id val: the host's sync callback runs, then
 *          the guest goes on
 *   POLL   load size bytes at gpa up to n times until not 0
 *                                     val = value, aux = tries
 */
enum ppc_step_kind {
	PPC_STEP_LOAD,
	PPC_STEP_STORE,
	PPC_STEP_XIRR,
	PPC_STEP_EOI,
	PPC_STEP_CPPR,
	PPC_STEP_SYNC,
	PPC_STEP_POLL,
};

#define PPC_EOI_LAST		(~0ULL)

struct ppc_step {
	enum ppc_step_kind kind;
	int size;
	u64 gpa;
	u64 val;
	u64 n;
	u64 aux;
};

#define STEP_LD(sz, addr)	{ .kind = PPC_STEP_LOAD, .size = (sz), .gpa = (addr) }
#define STEP_ST(sz, addr, v)	{ .kind = PPC_STEP_STORE, .size = (sz), .gpa = (addr), .val = (v) }
#define STEP_XIRR(tries)	{ .kind = PPC_STEP_XIRR, .n = (tries) }
#define STEP_EOI()		{ .kind = PPC_STEP_EOI, .val = PPC_EOI_LAST }
#define STEP_SYNC(id)		{ .kind = PPC_STEP_SYNC, .val = (id) }

/* Tries of H_XIRR that make "nothing was delivered" a fair statement */
#define PPC_XIRR_TRIES		50

typedef int (*ppc_sync_fn)(struct ppc_vcpu *vcpu, u64 id, void *opaque);

/*
 * Load the steps as guest code at PPC_GUEST_CODE_GPA (steps results at
 * PPC_GUEST_DATA_GPA) and run them to the end. MMIO exits go to mmio
 * (an error without one), SYNC stops to sync. Returns 0 or -errno.
 */
int ppc_guest_run_steps(struct ppc_vcpu *vcpu, struct ppc_step *s,
			unsigned int n, ppc_mmio_fn mmio, ppc_sync_fn sync,
			void *opaque);

/*
 * A step program under construction: the add functions return the step's
 * index (to find its result); an overflow is reported by ppc_prog_run().
 */
#define PPC_PROG_MAX_STEPS	600

struct ppc_prog {
	unsigned int n;
	bool overflow;
	struct ppc_step s[PPC_PROG_MAX_STEPS];
};

void ppc_prog_init(struct ppc_prog *p);
unsigned int ppc_prog_add(struct ppc_prog *p, struct ppc_step step);
unsigned int ppc_prog_ld(struct ppc_prog *p, int size, u64 gpa);
unsigned int ppc_prog_st(struct ppc_prog *p, int size, u64 gpa, u64 val);
unsigned int ppc_prog_xirr(struct ppc_prog *p, u64 tries);
unsigned int ppc_prog_eoi(struct ppc_prog *p);
unsigned int ppc_prog_sync(struct ppc_prog *p, u64 id);
unsigned int ppc_prog_poll(struct ppc_prog *p, int size, u64 gpa, u64 tries);
/* Four DWORD stores: msg_addr_lo, msg_addr_hi, msg_data, vector_ctl */
void ppc_prog_entry(struct ppc_prog *p, const struct ppc_msix_win *mw,
		    u16 v, u64 addr, u32 data, u32 ctl);
/* Take the next interrupt (XIRR, up to tries) and EOI it; XIRR's index */
unsigned int ppc_prog_take(struct ppc_prog *p, u64 tries);
int ppc_prog_run(struct ppc_vcpu *vcpu, struct ppc_prog *p, ppc_mmio_fn mmio,
		 ppc_sync_fn sync, void *opaque);

/*
 * Run @p (window @mw's eventfds signalled at its stops) and set @d to the
 * window stats it moved, printed under @what. Returns 0 or a negative
 * errno (message in ppc_errmsg()).
 */
int ppc_msix_run_counted(struct ppc_vcpu *vcpu, struct ppc_prog *p,
			 struct ppc_msix_win *mw, const char *what,
			 struct kvm_ppc_pt_window_stats *d);
/* The same with the test's own sync callback (opaque is its argument) */
int ppc_msix_run_counted_sync(struct ppc_vcpu *vcpu, struct ppc_prog *p,
			      const struct ppc_msix_win *mw, ppc_sync_fn sync,
			      void *opaque, const char *what,
			      struct kvm_ppc_pt_window_stats *d);

/*
 * SYNC ids that ppc_msix_sync() (opaque: the struct ppc_msix_win) acts on:
 * signal a vector count times; forward a Message Control value; set the
 * VM's MSI window. Other ids do nothing.
 */
#define PPC_SYNC_SIGNAL(v, count)	(1ULL << 40 | (u64)(count) << 16 | (v))
#define PPC_SYNC_CTRL(ctrl)		(2ULL << 40 | (ctrl))
#define PPC_SYNC_MSI_WINDOW(addr)	(3ULL << 40 | (addr) >> 12)
#define PPC_SYNC_KIND(id)		((id) >> 40)

int ppc_msix_sync(struct ppc_vcpu *vcpu, u64 id, void *opaque);

/* The VM's default MSI window, as the guest writes it in an entry */
#define PPC_MSI_WINDOW		KVM_PPC_PTW_DEFAULT_MSI_WINDOW

/* Emit "H_XIRR up to tries times"; XIRR in rx, tries left in rn */
struct ppc_asm;
void ppc_emit_xirr_poll(struct ppc_asm *a, int rx, int rn, u64 tries);
/* Emit H_EOI of register rx; the hcall return goes to rret */
void ppc_emit_eoi(struct ppc_asm *a, int rx, int rret);

/*
 * A vCPU run in its own thread until the guest reports DONE: MMIO exits go
 * to mmio (which must be thread-safe; without one they are an error), PRINT
 * and SYNC ucalls are skipped, anything else ends the run with a message in
 * err. ppc_vcpu_thread_join() waits up to timeout_s seconds, then kicks the
 * vCPU out of KVM_RUN (SIGUSR1) and reports a timeout.
 */
struct ppc_vcpu_thread {
	struct ppc_vcpu *vcpu;
	ppc_mmio_fn mmio;
	void *opaque;
	pthread_t tid;
	int result;		/* 0: DONE reached */
	char err[256];
	struct ppc_ucall uc;	/* the ucall that ended the run */
	struct timespec start, end;
	u64 runs, mmio_exits;
	volatile int stop;
};

int ppc_vcpu_thread_start(struct ppc_vcpu_thread *t, struct ppc_vcpu *vcpu,
			  ppc_mmio_fn mmio, void *opaque);
int ppc_vcpu_thread_join(struct ppc_vcpu_thread *t, unsigned int timeout_s);
/*
 * Nanoseconds; kept integer: a double live across clock_gettime() in a
 * static binary was seen clobbered in the emulated host
 */
u64 ppc_ts_ns(const struct timespec *ts);
/* A vCPU added to a VM made by ppc_guest_create(), set up like vCPU 0 */
struct ppc_vcpu *ppc_guest_add_vcpu(struct ppc_vm *vm, int id);

/*
 * Checks that count their failures and say what differed, for TAP results
 * that cover several comparisons: ppc_expect_begin(), EXPECT...(), then
 * ksft_test_result(ppc_expect_ok(), ...).
 */
extern int ppc_expect_failures;

static inline void ppc_expect_begin(void)
{
	ppc_expect_failures = 0;
}

static inline bool ppc_expect_ok(void)
{
	return !ppc_expect_failures;
}

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			ppc_expect_failures++;				\
			printf("# FAIL %s:%d: " fmt "\n", __func__,	\
			       __LINE__, ##__VA_ARGS__);		\
		}							\
	} while (0)

#define EXPECT_EQ(got, want, what)					\
	EXPECT((u64)(got) == (u64)(want), "%s: 0x%llx, expected 0x%llx",	\
	       (what), (unsigned long long)(got), (unsigned long long)(want))

#endif /* PPC_MSIX_UTIL_H */
