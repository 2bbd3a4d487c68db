/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM state of the KVM book3s HV passthrough IO windows, shared by the
 * device (book3s_hv_ptw.c), the radix mapping (book3s_hv_ptw_radix.c) and
 * the HPT mapping (book3s_hv_ptw_hpt.c).
 */
#ifndef __KVM_BOOK3S_HV_PTW_H__
#define __KVM_BOOK3S_HV_PTW_H__

#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <uapi/linux/kvm_ppc_pt_window.h>
#include <asm/kvm_ptw_classify.h>
#include <asm/kvm_ptw.h>

struct kvm_device_attr;

/**
 * struct kvmppc_ptw_window - one registered window
 * @layout: guest and host placement, MSI-X table and PBA.
 * @host_uaddr: the VMM's mapping of the host BAR, watched by the MMU
 *	notifier: the window dies with it. 0 for a window named via VFIO.
 * @vfio_pdev: the PCI device of a window named via VFIO (a reference
 *	held for the window's life), else NULL.
 * @vfio_file: the KVM-VFIO file that granted it, compared only: the
 *	window dies when that file leaves the KVM-VFIO device. Set and
 *	cleared under kvm->mmu_lock with @p->lock held.
 * @vfio: VFIO state of a window named via VFIO, else NULL.
 * @suspended: VFIO revoked the device's BAR access (or the window is new):
 *	no mapping, no passthrough, every access exits, until a fault finds
 *	the BARs decoding. Under kvm->mmu_lock.
 * @id: the id ADD returned.
 * @dead: the host mapping went away; every access exits to the VMM until
 *	the VMM removes the window. Set under kvm->mmu_lock.
 * @msix: MSI-X table emulation, NULL if the window holds no table.
 */
struct kvmppc_ptw_window {
	struct kvmppc_ptw_layout layout;
	u64 host_uaddr;
	struct pci_dev *vfio_pdev;
	const struct file *vfio_file;
	struct kvmppc_ptw_vfio *vfio;
	bool suspended;
	u32 id;
	bool dead;
	struct kvmppc_ptw_msix *msix;
};

#define KVMPPC_PTW_TABLE_PTES	512	/* 4K leaves under one PMD entry */

/**
 * struct kvmppc_ptw_table - a 512-entry table of 4K PTEs under one PMD
 * @ptes: the table, naturally aligned, big-endian PTEs as the MMU reads.
 * @pmdp: the partition-scoped PMD entry that points to @ptes; NULL while
 *	the table is allocated but not yet hooked into the tree (between a
 *	fault's allocation and its install under kvm->mmu_lock).
 * @nr_present: present entries, window and guest RAM leaves alike; the
 *	table goes when it drops to 0.
 * @win: which entries are window leaves; the others hold guest RAM (or a
 *	memslot over a BAR mmap) for KVM, as the 16 4K pieces of each host
 *	64K page. Window code touches only @win entries, KVM's walkers
 *	(through kvmppc_ptw_radix_ram_op()) only the others.
 */
struct kvmppc_ptw_table {
	__be64 *ptes;
	pmd_t *pmdp;
	unsigned int nr_present;
	DECLARE_BITMAP(win, KVMPPC_PTW_TABLE_PTES);
};

/**
 * struct kvmppc_ptw_radix_cache - what a radix fault allocates before it
 *	takes kvm->mmu_lock
 * @pud: a PUD table, in case the PGD entry is empty.
 * @pmd: a PMD table, in case the PUD entry is empty.
 * @table: the 4K table the fault inserted into kvmppc_ptw.tables, if any.
 */
struct kvmppc_ptw_radix_cache {
	pud_t *pud;
	pmd_t *pmd;
	struct kvmppc_ptw_table *table;
};

/**
 * struct kvmppc_ptw - the windows of one VM (private data of its device)
 * @kvm: the VM.
 * @node: in the table of VMs with windows, keyed by @kvm.
 * @rcu: @node is walked under RCU: freed after a grace period.
 * @lock: serialises the control plane (ADD, MOVE, REMOVE, MSI-X
 *	attributes, teardown). Outermost: taken before kvm->slots_lock and
 *	mmap_lock, held across allocations. Never taken by the fault paths
 *	or the MMU notifier.
 * @windows: indexed by window id. Written with @lock and kvm->mmu_lock
 *	held; read under either.
 * @tables: our 4K-PTE tables, indexed by guest address >> PMD_SHIFT.
 *	Inserted by the fault path before it takes kvm->mmu_lock (the
 *	allocation may sleep), hooked into the tree, emptied and erased
 *	under kvm->mmu_lock.
 * @hpt_maps: indices of the HPTEs made valid for windows (HPT guests);
 *	stored before kvm->mmu_lock, checked and erased under it.
 * @torn_down: the radix tree is gone for good (VM teardown); under
 *	kvm->mmu_lock.
 * @map_4k: the partition-scoped tree may hold 4K leaves: always on bare
 *	metal; nested (pseries), only if the L0 hypervisor walks them.
 * @vfio_used: a window was once named via VFIO (set, never cleared): a
 *	hint that lets faults of other VMs skip ptw_vfio_resume()'s lock. A
 *	stale false only sends that one access to the VMM (the window is
 *	suspended, so never mapped without the check).
 * @mn: watches the VMM's mappings of host BARs.
 * @mmu_seq: bumped under kvm->mmu_lock when an invalidation of the VMM's
 *	address space ends; ADD publishes a window only if it did not
 *	change since the host address was resolved.
 * @mmu_invalidating: invalidations in progress (under kvm->mmu_lock).
 * @msi_window: the guest address a routable MSI message carries.
 * @stats: counters reported through KVM_DEV_PPC_PTW_GRP_STATS, under
 *	kvm->mmu_lock (the MSI-X ones of removed windows; live windows add
 *	theirs when read).
 */
struct kvmppc_ptw {
	struct kvm *kvm;
	struct hlist_node node;
	struct rcu_head rcu;
	struct mutex lock;	/* the control plane, see above */
	struct kvmppc_ptw_window *windows[KVM_PPC_PTW_MAX_WINDOWS];
	struct xarray tables;
	struct xarray hpt_maps;
	bool torn_down;
	bool map_4k;
	bool vfio_used;
	struct mmu_notifier mn;
	unsigned long mmu_seq;
	unsigned long mmu_invalidating;
	u64 msi_window;
	struct kvm_ppc_pt_window_stats stats;
};

/**
 * struct kvmppc_ptw_shadow_cache - what a nested fault allocates before it
 *	takes kvm->mmu_lock (book3s_hv_ptw_shadow.c)
 * @pud: a PUD table, in case the shadow tree's PGD entry is empty.
 * @pmd: a PMD table, in case the PUD entry is empty.
 * @ptes: a 512-entry table of 4K leaves, in case the PMD entry is empty.
 */
struct kvmppc_ptw_shadow_cache {
	pud_t *pud;
	pmd_t *pmd;
	__be64 *ptes;
};

/*
 * A window leaf: cache-inhibited and guarded (the non-idempotent I/O
 * attribute), no execute; R and C preset so the MMU never has to come
 * back to us to set them.
 */
#define KVMPPC_PTW_IO_PTE_FLAGS	(_PAGE_PRESENT | _PAGE_PTE | _PAGE_READ | \
				 _PAGE_WRITE | _PAGE_PRIVILEGED |	\
				 _PAGE_ACCESSED | _PAGE_DIRTY |		\
				 _PAGE_NON_IDEMPOTENT)
/* The real address bits of a 4K leaf. */
#define KVMPPC_PTW_RPN_4K_MASK	(((1UL << _PAGE_PA_MAX) - 1) &		\
				 ~((1UL << KVMPPC_PTW_SHIFT_4K) - 1))
/* NLS of a PMD entry that points to a 512-entry table of 4K leaves */
#define KVMPPC_PTW_PTE_INDEX_SIZE	9

pmd_t *kvmppc_ptw_pmdp(pgd_t *pgtable, unsigned long gpa);
__be64 *kvmppc_ptw_ptes_alloc(void);
void kvmppc_ptw_ptes_free(__be64 *ptes);

u64 kvmppc_ptw_shadow_leaf(u64 hpa, u64 attr, const struct kvmppc_pte *gpte,
			   bool writing);
int kvmppc_ptw_shadow_prepare(struct kvm *kvm,
			      struct kvmppc_ptw_shadow_cache *sc);
void kvmppc_ptw_shadow_finish(struct kvm *kvm,
			      struct kvmppc_ptw_shadow_cache *sc);
int kvmppc_ptw_shadow_set(struct kvm *kvm, pgd_t *pgtable, u64 lpid,
			  unsigned long gpa, u64 leaf,
			  struct kvmppc_ptw_shadow_cache *sc);
void kvmppc_ptw_shadow_unmap_hpa(struct kvm *kvm, pgd_t *pgtable, u64 lpid,
				 u64 start, u64 end);

struct kvmppc_ptw *kvmppc_ptw_get(struct kvm *kvm);
void kvmppc_ptw_nested_resume(struct kvmppc_ptw *p, unsigned long gpa);
enum kvmppc_ptw_class kvmppc_ptw_nested_page(struct kvmppc_ptw *p, u64 gpa,
					     u64 *hpa);
void kvmppc_ptw_nested_account(struct kvmppc_ptw *p, unsigned int nested_lpid,
			       u64 n_gpa, enum kvmppc_ptw_class class,
			       u64 gpa, u64 hpa, bool mapped);
u64 kvmppc_ptw_window_bytes(struct kvm *kvm, u64 start, u64 end);
void kvmppc_ptw_nested_unmap_host(struct kvm *kvm, u64 start, u64 end);

int kvmppc_ptw_radix_prepare(struct kvmppc_ptw *p, unsigned long gpa,
			     struct kvmppc_ptw_radix_cache *pc);
int kvmppc_ptw_radix_map(struct kvmppc_ptw *p, unsigned long gpa, u64 hpa,
			 unsigned int npages, struct kvmppc_ptw_radix_cache *pc);
void kvmppc_ptw_radix_finish(struct kvmppc_ptw *p, unsigned long gpa,
			     struct kvmppc_ptw_radix_cache *pc);
void kvmppc_ptw_radix_unmap(struct kvmppc_ptw *p, unsigned long start,
			    unsigned long end);
void kvmppc_ptw_radix_free_tables(struct kvmppc_ptw *p, bool tree_alive);
int kvmppc_ptw_radix_ram_set(struct kvmppc_ptw *p, pmd_t *pmdp, pte_t pte,
			     unsigned long gpa);
int kvmppc_ptw_radix_ram_op(struct kvmppc_ptw *p,
			    const struct kvm_memory_slot *memslot,
			    unsigned long gfn, enum kvmppc_ptw_ram_op op);
int kvmppc_ptw_radix_init(void);

bool kvmppc_ptw_hpte_is_4k(unsigned long v, unsigned long guest_rpte);
bool kvmppc_ptw_hpte_is_64k(unsigned long v, unsigned long guest_rpte);
int kvmppc_ptw_hpt_prepare(struct kvmppc_ptw *p, unsigned long index);
int kvmppc_ptw_hpt_map(struct kvmppc_ptw *p, unsigned long index,
		       const unsigned long *hpte, u64 hpa);
void kvmppc_ptw_hpt_unmap(struct kvmppc_ptw *p, unsigned long start,
			  unsigned long end);
void kvmppc_ptw_hpt_forget(struct kvmppc_ptw *p);

struct kvmppc_ptw_msix *kvmppc_ptw_msix_create(struct kvmppc_ptw *p,
					       const struct kvmppc_ptw_window *w);
int kvmppc_ptw_msix_attach(struct kvmppc_ptw_msix *m,
			   const struct kvmppc_ptw_window *w);
void kvmppc_ptw_msix_commit(struct kvmppc_ptw_msix *m);
void kvmppc_ptw_msix_detach(struct kvmppc_ptw_msix *m, bool bus_alive);
void kvmppc_ptw_msix_set_live(struct kvmppc_ptw_msix *m, bool live);
void kvmppc_ptw_msix_release_irqs(struct kvmppc_ptw_msix *m);
int kvmppc_ptw_msix_set_irq(struct kvmppc_ptw_msix *m, u16 vector, int fd);
void kvmppc_ptw_msix_set_ctrl(struct kvmppc_ptw_msix *m, u16 msg_ctrl);
int kvmppc_ptw_msix_vmm_set(struct kvmppc_ptw *p,
			    const struct kvm_device_attr *attr);
int kvmppc_ptw_msix_vmm_get(struct kvmppc_ptw *p,
			    const struct kvm_device_attr *attr);
void kvmppc_ptw_msix_add_stats(struct kvmppc_ptw_msix *m,
			       struct kvm_ppc_pt_window_stats *s);
void kvmppc_ptw_msix_destroy(struct kvmppc_ptw_msix *m,
			     struct kvm_ppc_pt_window_stats *last);
void kvmppc_ptw_radix_exit(void);

/**
 * struct kvmppc_ptw_vfio - a window named via VFIO, as vfio-pci sees it
 * @nb: our entry in vfio-pci's BAR notifier chain
 * @registered: @nb is in the chain
 * @w: the window
 * @p: the VM's window state
 * @vdev: the VFIO device; a reference on its struct device is held until
 *	the VMM closes the device (then NULL). Read and cleared under
 *	kvm->mmu_lock.
 */
struct kvmppc_ptw_vfio {
	struct notifier_block nb;
	bool registered;
	struct kvmppc_ptw_window *w;
	struct kvmppc_ptw *p;
	struct vfio_pci_core_device *vdev;
};

int kvmppc_ptw_vfio_resolve(struct kvmppc_ptw *p,
			    const struct kvm_ppc_pt_window_vfio *uv,
			    struct kvmppc_ptw_window *w);
void kvmppc_ptw_vfio_put(struct kvmppc_ptw_window *w);
void kvmppc_ptw_vfio_exit(void);
void kvmppc_ptw_vfio_get_vdev(struct vfio_pci_core_device *vdev);
bool kvmppc_ptw_vfio_resume_begin(struct vfio_pci_core_device *vdev);
void kvmppc_ptw_vfio_resume_end(struct vfio_pci_core_device *vdev);
struct vfio_pci_core_device *
kvmppc_ptw_vfio_revoke(struct kvmppc_ptw *p, struct kvmppc_ptw_window *w,
		       bool closed);

#endif /* __KVM_BOOK3S_HV_PTW_H__ */
