/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough IO windows (KVM_DEV_TYPE_PPC_PT_WINDOW) for selftests: the
 * window device, the emulated host's test bed of small BARs that share one
 * 64K host page, an MMIO exit recorder that plays the VMM, and the kvm_ptw
 * trace events.
 *
 * Test bed (scripts/initramfs-init.sh packs the BARs at every boot):
 *
 *   64K host page P:  e1000e BAR3 (MSI-X, 16K)   at P + 0x0000
 *                     pci-testdev BAR0 (4K)      at P + 0x4000
 *                     virtio-net BAR1 (MSI-X 4K) at P + 0x5000
 *   e1000e BAR1 (flash, 128K) and BAR0 (registers, 128K): 64K aligned.
 *
 * The device helpers return 0 or a negative errno, with errno set and a
 * message in ppc_errmsg(), so tests can compare the errno exactly.
 */
#ifndef PPC_PTW_UTIL_H
#define PPC_PTW_UTIL_H

#include <linux/kvm_ppc_pt_window.h>

#include "ppc_kvm_util.h"
#include "ppc_pci_util.h"

#define ULL(x)			((unsigned long long)(x))

#define PPC_SZ_4K		0x1000ULL
#define PPC_SZ_64K		0x10000ULL
#define PPC_SZ_2M		0x200000ULL
#define PPC_PTW_SIZE_MAX	(1ULL << 40)	/* 1 TiB, the uapi's limit */

/* QEMU pci-testdev (1b36:0005) BAR0 header */
#define PPC_TESTDEV_VENDOR	0x1b36
#define PPC_TESTDEV_DEVICE	0x0005
#define PPC_TESTDEV_TEST	0	/* u8: write selects, read shows test */
#define PPC_TESTDEV_WIDTH	1	/* u8 */
#define PPC_TESTDEV_OFFSET	4	/* le32: doorbell offset in the BAR */
#define PPC_TESTDEV_DATA	8	/* u8: doorbell data that is counted */
#define PPC_TESTDEV_COUNT	12	/* le32: doorbell hits */
#define PPC_TESTDEV_NAME	16	/* NUL-terminated name */
#define PPC_TESTDEV_HDR_LEN	48	/* header bytes compared by tests */
#define PPC_TESTDEV_NR_TESTS	3	/* writing this deselects */

#define PPC_E1000E_VENDOR	0x8086
#define PPC_E1000E_DEVICE	0x10d3
#define PPC_E1000E_BAR_REGS	0
#define PPC_E1000E_BAR_FLASH	1
#define PPC_E1000E_BAR_MSIX	3
#define PPC_E1000E_RAL0		0x5400	/* receive address low/high 0 */
#define PPC_E1000E_RAH0		0x5404
#define PPC_E1000E_STATUS	0x0008

#define PPC_VIRTIO_VENDOR	0x1af4
#define PPC_VIRTIO_NET_LEGACY	0x1000	/* transitional (pseries) */
#define PPC_VIRTIO_NET_MODERN	0x1041	/* modern (PCIe, powernv9) */
#define PPC_VIRTIO_BAR_MSIX	1

/* MSI-X table entry (PCI spec) */
#define PPC_MSIX_ENTRY_SIZE	16
#define PPC_MSIX_MSG_DATA	8

struct ppc_ptw_bed {
	struct ppc_pci_bar testdev;	/* pci-testdev BAR0 */
	struct ppc_pci_bar e1000e_msix;	/* e1000e BAR3 */
	struct ppc_pci_bar virtio_msix;	/* virtio-net BAR1 */
	struct ppc_pci_bar flash;	/* e1000e BAR1 */
	struct ppc_pci_bar regs;	/* e1000e BAR0 */
};

/*
 * Find, enable and map the test bed's BARs. Fails (with a message) if a
 * device is missing. ppc_ptw_bed_shared() says whether the three small BARs
 * share one host page as described above.
 */
int ppc_ptw_bed_open(struct ppc_ptw_bed *bed);
void ppc_ptw_bed_close(struct ppc_ptw_bed *bed);
bool ppc_ptw_bed_shared(const struct ppc_ptw_bed *bed);
void ppc_ptw_bed_print(const struct ppc_ptw_bed *bed);

/* Host-side MMIO of a BAR through the host's own sysfs mapping */
u64 ppc_bar_rd(struct ppc_pci_bar *b, u64 off, int size);
void ppc_bar_wr(struct ppc_pci_bar *b, u64 off, int size, u64 val);
/* The host virtual address of BAR byte off, for host_uaddr */
u64 ppc_bar_uaddr(struct ppc_pci_bar *b, u64 off);

/* pci-testdev: select a test (PPC_TESTDEV_NR_TESTS deselects) */
void ppc_testdev_select(struct ppc_pci_bar *b, unsigned int test);
void ppc_testdev_name(struct ppc_pci_bar *b, char *name, size_t len);

/*
 * The window device of a VM. ppc_ptw_create() reads its
 * KVM_DEV_PPC_PTW_GRP_INFO flags into ppc_ptw_maps_4k (the same for every
 * VM of a host) and, without KVM_PPC_PTW_INFO_MAP_4K, makes the VM's
 * exits at window addresses go to the window VMM below.
 */
extern bool ppc_ptw_maps_4k;
int ppc_ptw_create(struct ppc_vm *vm);
int ppc_ptw_add(int dev, struct kvm_ppc_pt_window *w);
int ppc_ptw_move(int dev, u32 id, u64 guest_addr);
int ppc_ptw_remove(int dev, u32 id);
int ppc_ptw_stats(int dev, struct kvm_ppc_pt_window_stats *st);
/* Raw attribute access: 0 or -errno */
int ppc_ptw_set_attr(int dev, u32 group, u64 attr, void *addr);
int ppc_ptw_get_attr(int dev, u32 group, u64 attr, void *addr);
int ppc_ptw_has_attr(int dev, u32 group, u64 attr);

/* A window over size bytes of BAR b from BAR offset off, at guest_addr */
struct kvm_ppc_pt_window ppc_ptw_window(struct ppc_pci_bar *b, u64 off,
					u64 size, u64 guest_addr);

/*
 * What a test expects: "mapped" where window pages map with 4K leaves
 * (KVM_PPC_PTW_INFO_MAP_4K), else "exited": each guest access to a window
 * page faults once and exits to the VMM (KVM_EXIT_MMIO), nothing mapped.
 */
#define PPC_PTW_EXPECT(mapped, exited)	(ppc_ptw_maps_4k ? (mapped) : (exited))
/* Which of the two this host does, in words, for messages */
const char *ppc_ptw_mode_str(void);

/*
 * The window VMM (ppc_ptw_vmm.c), used without KVM_PPC_PTW_INFO_MAP_4K:
 * it serves the VM's MMIO exits in a window's bytes from its own mapping
 * of the window's BAR, as QEMU's vfio-pci serves them from its region,
 * before ppc_vcpu_run() returns (vcpu->served_mmio counts them; exits[]
 * counts them too); other exits reach the test as before. ppc_ptw_add(),
 * ppc_ptw_move(), ppc_ptw_remove() and ppc_ptw_add_vfio() keep its
 * windows in step with the kernel's.
 */
void ppc_ptw_vmm_attach(struct ppc_vm *vm, int dev);
void ppc_ptw_vmm_add(int dev, const struct kvm_ppc_pt_window *w);
void ppc_ptw_vmm_move(int dev, u32 id, u64 guest_addr);
void ppc_ptw_vmm_remove(int dev, u32 id);

/* d = a - b, field by field */
void ppc_ptw_stats_sub(struct kvm_ppc_pt_window_stats *d,
		       const struct kvm_ppc_pt_window_stats *a,
		       const struct kvm_ppc_pt_window_stats *b);
bool ppc_ptw_stats_eq(const struct kvm_ppc_pt_window_stats *a,
		      const struct kvm_ppc_pt_window_stats *b);
void ppc_ptw_stats_print(const char *what,
			 const struct kvm_ppc_pt_window_stats *st);

/*
 * The VMM side of MMIO exits: every exit is recorded (up to max_rec). A
 * load is answered from the device through fwd (the BAR mapped at guest
 * address fwd_gpa) when the address falls in that BAR, else with the
 * byte pattern fill; a store inside fwd's BAR is written to the device
 * when forward_stores is set, and dropped otherwise.
 */
struct ppc_mmio_rec {
	u64 addr;
	u32 len;
	bool write;
	u64 data;
};

struct ppc_mmio_log {
	u64 n;			/* exits seen */
	unsigned int max_rec;
	struct ppc_mmio_rec *rec;	/* the first max_rec exits */
	u8 fill;
	struct ppc_pci_bar *fwd;
	u64 fwd_gpa;
	bool forward_stores;
	u64 fwd_n;		/* exits that went to the device */
	u64 served;		/* ppc_mmio_log_run(): exits the window VMM
				 * served (not in n)
				 */
};

int ppc_mmio_log_init(struct ppc_mmio_log *log, unsigned int max_rec,
		      u8 fill);
void ppc_mmio_log_reset(struct ppc_mmio_log *log);
void ppc_mmio_log_free(struct ppc_mmio_log *log);
int ppc_mmio_log_fn(struct ppc_vcpu *vcpu, struct kvm_run *run, void *opaque);
/*
 * Run accesses with a fresh log: the number of VMM exits the log saw, or
 * -errno
 */
int ppc_mmio_log_run(struct ppc_vcpu *vcpu, struct ppc_access *acc,
		     unsigned int n, struct ppc_mmio_log *log);
/* fill repeated over size bytes */
u64 ppc_mmio_fill_val(u8 fill, int size);

/*
 * One KVM_RUN up to the guest's next SYNC ucall, the VMM played by
 * ppc_mmio_log_fn (loads answered with 0): the window stats delta (from
 * *since when given, e.g. taken before a MOVE), the pci-testdev doorbell
 * count before and after (test 0 selected), the MMIO exits and the first
 * PPC_PTW_PASS_REC of them. Returns p->err: 0 or a negative errno.
 */
#define PPC_PTW_PASS_REC	16

struct ppc_ptw_pass {
	struct ppc_ucall uc;
	struct kvm_ppc_pt_window_stats d;
	u64 count_before, count_after;
	u64 exits;
	struct ppc_mmio_rec rec[PPC_PTW_PASS_REC];
	unsigned int nrec;
	int err;
};

int ppc_ptw_run_pass(struct ppc_vcpu *vcpu, int dev, struct ppc_pci_bar *td,
		     const struct kvm_ppc_pt_window_stats *since,
		     struct ppc_ptw_pass *p);

/*
 * A guest that loads n values of size bytes from gpa, gpa + stride, ...
 * (stride below 32K) in a bdnz loop and stores each, zero-extended, at
 * PPC_GUEST_DATA_GPA + 8 * i; *out points there afterwards.
 */
int ppc_guest_scan(struct ppc_vcpu *vcpu, u64 gpa, u64 n, u64 stride,
		   int size, ppc_mmio_fn mmio, void *opaque, u64 **out);

/*
 * kvm_ptw:kvm_ptw_fault trace events, through tracefs. ppc_ptw_trace_on()
 * returns 0 if tracing works here (else a negative errno: tests skip the
 * checks that need it); ppc_ptw_trace_read() parses the faults recorded
 * since the last read and clears the buffer.
 */
struct ppc_ptw_fault_ev {
	u64 gpa;
	int cls;		/* enum kvmppc_ptw_class: 0 exit, 1 direct,
				 * 2 map4k, 3 msix
				 */
	u64 hpa;
	unsigned int npages;
	int ret;
};

int ppc_ptw_trace_on(void);
void ppc_ptw_trace_off(void);
int ppc_ptw_trace_read(struct ppc_ptw_fault_ev *ev, unsigned int max);
const char *ppc_ptw_class_str(int cls);

#endif /* PPC_PTW_UTIL_H */
