/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small KVM library for book3s HV selftests: an HV VM with radix MMU (or an
 * HPT, on a hash host: ppc_hash_guest_create()), one or more vCPUs running
 * a real-mode guest, ucalls over KVM_EXIT_PAPR_HCALL and exit accounting.
 *
 * Guest physical layout of the standard guest (ppc_guest_create()):
 *
 *   0x0000 - 0x0fff   exception vectors; each 32-byte slot reports
 *                     PPC_UCALL_EXCEPTION (vector, SRR0, SRR1)
 *   0x1000 - 0xffff   guest code (PPC_GUEST_CODE_GPA), entered in real mode
 *                     with MSR = SF | ME | RI | LE
 *   0x10000           radix process table (4 KiB, left empty: the guest
 *                     runs in real mode)
 *   0x20000 -         data for tests (PPC_GUEST_DATA_GPA)
 *   top of RAM        stack (r1)
 *
 * Failing functions return a negative errno (or NULL) and leave a message
 * in ppc_errmsg(). ppc_set_err(err, ...) records one (with strerror(err)
 * unless err is 0) and returns -err, or -EPROTO when err is 0.
 */
#ifndef PPC_KVM_UTIL_H
#define PPC_KVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>
#include <linux/types.h>

typedef __u64 u64;
typedef __u32 u32;
typedef __u16 u16;
typedef __u8 u8;
typedef __s64 s64;
typedef __s32 s32;
typedef __s16 s16;

#ifndef BIT_ULL
#define BIT_ULL(nr)		(1ULL << (nr))
#endif
#ifndef __printf
#define __printf(a, b)		__attribute__((__format__(__printf__, a, b)))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#endif

#define PPC_MSR_SF		BIT_ULL(63)
#define PPC_MSR_HV		BIT_ULL(60)
#define PPC_MSR_EE		BIT_ULL(15)
#define PPC_MSR_PR		BIT_ULL(14)
#define PPC_MSR_ME		BIT_ULL(12)
#define PPC_MSR_IR		BIT_ULL(5)
#define PPC_MSR_DR		BIT_ULL(4)
#define PPC_MSR_RI		BIT_ULL(1)
#define PPC_MSR_LE		BIT_ULL(0)
#define PPC_GUEST_MSR		(PPC_MSR_SF | PPC_MSR_ME | PPC_MSR_RI | PPC_MSR_LE)

/* SRR1 bit set by a program interrupt caused by a trap instruction */
#define PPC_SRR1_PROGTRAP	BIT_ULL(17)

#define PPC_LPCR_ILE		BIT_ULL(25)
#define PPC_PATB_GR		BIT_ULL(63)

#define PPC_GUEST_RAM_SIZE	0x200000ULL
#define PPC_GUEST_CODE_GPA	0x1000ULL
#define PPC_GUEST_CODE_SIZE	0xf000ULL
#define PPC_GUEST_PRTB_GPA	0x10000ULL
#define PPC_GUEST_PRTB_PRTS	0	/* 2^(12 + 0) bytes */
#define PPC_GUEST_DATA_GPA	0x20000ULL
#define PPC_GUEST_STACK_TOP	(PPC_GUEST_RAM_SIZE - 0x100)

/* Guest addresses with no memslot behind them: loads/stores exit as MMIO */
#define PPC_GUEST_MMIO_GPA	0x100000000ULL

/*
 * Ucall: "sc 1" with r3 = PPC_UCALL_HCALL, r4 = code, r5.. = arguments.
 * The number is above MAX_HCALL_OPCODE and outside the ranges that book3s
 * HV handles in the kernel, so it always reaches userspace.
 */
#define PPC_UCALL_HCALL		0x6c00
#define PPC_UCALL_MAX_ARGS	6

enum ppc_ucall_code {
	PPC_UCALL_NONE = 0,	/* the exit is not a ucall */
	PPC_UCALL_DONE,		/* guest finished */
	PPC_UCALL_SYNC,		/* guest reports values, then continues */
	PPC_UCALL_PRINT,	/* host logs the arguments, guest continues */
	PPC_UCALL_ASSERT_FAIL,	/* args: id, value, expected */
	PPC_UCALL_EXCEPTION,	/* args: vector, SRR0, SRR1 */
	PPC_UCALL_NR_CODES,
};

struct ppc_ucall {
	u64 code;
	u64 args[PPC_UCALL_MAX_ARGS];
};

#define PPC_MAX_MEMSLOTS	16
#define PPC_NR_EXIT_REASONS	64

struct ppc_memslot {
	u32 slot;
	u64 gpa;
	u64 size;
	void *hva;
	bool owned;		/* anonymous memory mapped by the library */
};

struct ppc_vm;

struct ppc_vcpu {
	struct ppc_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	unsigned int timeout_s;	/* watchdog for one KVM_RUN */

	/* Accounting: every KVM_RUN, by exit reason and by ucall code */
	u64 nr_runs;
	u64 exits[PPC_NR_EXIT_REASONS];
	u64 ucalls[PPC_UCALL_NR_CODES];
	/* MMIO exits (in exits[] too) that vm->serve_mmio served */
	u64 served_mmio;
};

#define PPC_MAX_VCPUS		4

struct ppc_vm {
	int kvm_fd;
	int fd;
	unsigned long type;
	long page_size;		/* host page size */
	unsigned int nr_slots;
	struct ppc_memslot slots[PPC_MAX_MEMSLOTS];
	unsigned int nr_vcpus;
	struct ppc_vcpu *vcpus[PPC_MAX_VCPUS];
	/*
	 * The VMM's own handler of MMIO exits, below the test's: when it
	 * returns true it served the exit and ppc_vcpu_run() re-enters the
	 * guest (the window device's fallback, ppc_ptw_vmm.c).
	 */
	bool (*serve_mmio)(void *opaque, struct kvm_run *run);
	void *serve_opaque;
};

/*
 * Handler of a KVM_EXIT_MMIO exit: fill mmio->data for a load. Return 0 to
 * resume the guest, a negative errno to stop (with ppc_set_err() called).
 */
typedef int (*ppc_mmio_fn)(struct ppc_vcpu *vcpu, struct kvm_run *run,
			   void *opaque);

const char *ppc_errmsg(void);
__printf(2, 3) int ppc_set_err(int err, const char *fmt, ...);

int ppc_kvm_open(void);
/*
 * The host these tests run on: a pseries partition (a nested
 * hypervisor), and whether its hypervisor (the L0) is KVM ("linux,kvm"
 * in /hypervisor) rather than a full-system emulator.
 */
bool ppc_host_on_pseries(void);
bool ppc_host_l0_is_kvm(void);
int ppc_check_cap(int fd, long cap);
const char *ppc_exit_reason_str(u32 reason);
const char *ppc_ucall_str(u64 code);

struct ppc_vm *ppc_vm_create(unsigned long type);
void ppc_vm_free(struct ppc_vm *vm);
/*
 * A VM-wide KVM statistic (the sum over its vCPUs) from debugfs, e.g.
 * "sum_exits" (every guest exit, served in the kernel or not); a negative
 * errno if debugfs or the statistic is not there.
 */
long long ppc_vm_stat(struct ppc_vm *vm, const char *name);
int ppc_vm_add_memslot(struct ppc_vm *vm, u64 gpa, u64 size, void *hva,
		       u32 flags);
int ppc_vm_del_memslot(struct ppc_vm *vm, u64 gpa);
void *ppc_gpa_to_hva(struct ppc_vm *vm, u64 gpa);
int ppc_vm_configure_radix(struct ppc_vm *vm, u64 prtb_gpa, u64 prts,
			   bool gtse);

struct ppc_vcpu *ppc_vcpu_add(struct ppc_vm *vm, int id);
int ppc_vcpu_get_regs(struct ppc_vcpu *vcpu, struct kvm_regs *regs);
int ppc_vcpu_set_regs(struct ppc_vcpu *vcpu, const struct kvm_regs *regs);
int ppc_vcpu_get_one_reg(struct ppc_vcpu *vcpu, u64 id, u64 *val);
int ppc_vcpu_set_one_reg(struct ppc_vcpu *vcpu, u64 id, u64 val);
int ppc_vcpu_reset(struct ppc_vcpu *vcpu, u64 pc);

int ppc_vcpu_run(struct ppc_vcpu *vcpu);
u64 ppc_vcpu_get_ucall(struct ppc_vcpu *vcpu, struct ppc_ucall *uc);
int ppc_vcpu_run_to_ucall(struct ppc_vcpu *vcpu, struct ppc_ucall *uc,
			  ppc_mmio_fn mmio, void *opaque);
int ppc_vcpu_run_expect(struct ppc_vcpu *vcpu, u64 code, struct ppc_ucall *uc,
			ppc_mmio_fn mmio, void *opaque);
void ppc_vcpu_clear_stats(struct ppc_vcpu *vcpu);
/*
 * After a KVM_RUN: an MMIO exit that vm->serve_mmio served (counted in
 * served_mmio); the caller re-enters the guest. ppc_vcpu_run() does this
 * itself; callers of the KVM_RUN ioctl do it.
 */
bool ppc_vcpu_serve_mmio(struct ppc_vcpu *vcpu);
/* MMIO exits vm->serve_mmio served since *mark; moves the mark */
u64 ppc_vcpu_served_since(struct ppc_vcpu *vcpu, u64 *mark);
void ppc_vcpu_print_stats(struct ppc_vcpu *vcpu);

struct ppc_asm;

struct ppc_vm *ppc_guest_create(struct ppc_vcpu **vcpu);
int ppc_guest_load(struct ppc_vcpu *vcpu, const struct ppc_asm *a);

/* One guest load or store, for ppc_guest_run_accesses() */
struct ppc_access {
	u64 gpa;
	int size;		/* 1, 2, 4 or 8 bytes */
	bool write;
	u64 val;		/* value to store, or the value the guest loaded */
};

int ppc_guest_run_accesses(struct ppc_vcpu *vcpu, struct ppc_access *acc,
			   unsigned int n, ppc_mmio_fn mmio, void *opaque);

/*
 * HPT (hash MMU) guests, for a host that offers them
 * (KVM_CAP_PPC_MMU_HASH_V3): the VM is never given KVM_PPC_CONFIGURE_V3_MMU,
 * so it starts HPT; KVM_PPC_ALLOCATE_HTAB sizes its hash table and KVM sets
 * up the VRMA (real mode over memslot 0) at the first KVM_RUN. The guest
 * code runs with instruction relocation off (VRMA) and maps what it needs
 * with H_ENTER and slbmte (ppc_hpt_enter() in ppc_asm.h).
 *
 * ppc_hash_guest_create() is ppc_guest_create() with an HPT of 2^order
 * bytes instead of radix; the layout is the same (the radix process table
 * page is unused).
 */
#define PPC_H_SUCCESS		0
#define PPC_H_ENTER		0x08
#define PPC_H_READ		0x0c

#define PPC_HPTE_V_BOLTED	0x10ULL
#define PPC_HPTE_V_LARGE	0x04ULL
#define PPC_HPTE_V_VALID	0x01ULL
#define PPC_HPTE_R_W		0x40ULL
#define PPC_HPTE_R_I		0x20ULL
#define PPC_HPTE_R_M		0x10ULL
#define PPC_HPTE_R_G		0x08ULL
#define PPC_HPTE_R_PP_RW	0x02ULL	/* PP = 2: read/write with Ks = 0 */
#define PPC_HPTE_R_LP_64K	0x1000ULL	/* 64K base, 64K actual */
#define PPC_SLB_ESID_V		0x08000000ULL
#define PPC_SLB_VSID_L		0x100ULL
#define PPC_SLB_VSID_LP_64K	0x010ULL
#define PPC_SLB_VSID_SHIFT	12
#define PPC_SID_SHIFT		28	/* 256M segments */

#define PPC_HPT_ORDER_DEFAULT	18

/* One 4K HPTE in the guest's (old, pre-ISA 3.0) format and its SLB entry */
struct ppc_hpt_map {
	u64 ea;
	u64 gpa;
	u64 vsid;
	u64 pte_index;		/* first slot of the primary PTEG */
	u64 pteh;		/* r6 of H_ENTER */
	u64 ptel;		/* r7 of H_ENTER */
	u64 slbv;		/* RS of slbmte */
	u64 slbe;		/* RB of slbmte (SLB entry 0) */
};

/*
 * 1 on a hash host (HPT guests, no radix), 0 elsewhere with the reason in
 * ppc_errmsg(), a negative errno if /dev/kvm cannot say.
 */
int ppc_hash_host(void);
int ppc_vm_allocate_htab(struct ppc_vm *vm, u32 order);
struct ppc_vm *ppc_hash_guest_create(struct ppc_vcpu **vcpu, u32 order);
/* A bolted 4K mapping ea -> gpa with WIMG bits wimg, PP = 2 */
void ppc_hpt_map_4k(struct ppc_hpt_map *m, u32 order, u64 vsid, u64 ea,
		    u64 gpa, u64 wimg);
/* The same with a 64K page in a segment of 64K base pages (ea, gpa 64K) */
void ppc_hpt_map_64k(struct ppc_hpt_map *m, u32 order, u64 vsid, u64 ea,
		     u64 gpa, u64 wimg);

#endif /* PPC_KVM_UTIL_H */
