/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hooks of the KVM book3s HV passthrough IO windows into existing KVM code.
 * The windows live in a KVM device per VM (struct kvm_arch keeps its
 * layout, so our modules still load into a prebuilt kernel).
 */
#ifndef __ASM_POWERPC_KVM_PTW_H__
#define __ASM_POWERPC_KVM_PTW_H__

#include <linux/types.h>

struct notifier_block;
struct vfio_pci_core_device;

/*
 * vfio-pci's BAR notifier and BAR access lock (our patch 0009 to 6.12),
 * reached through symbol_get(): kvm-hv does not depend on vfio-pci.
 */
struct kvmppc_ptw_vfio_bar_ops {
	int (*register_notifier)(struct notifier_block *nb);
	void (*unregister_notifier)(struct notifier_block *nb);
	bool (*begin)(struct vfio_pci_core_device *vdev);
	void (*end)(struct vfio_pci_core_device *vdev);
};

/* The interfaces that differ between kernels; they use the struct above. */
#include <asm/kvm_ptw_compat.h>

struct kvm;
struct kvm_vcpu;
struct file;
struct kvm_memory_slot;
struct revmap_entry;
struct kvm_nested_guest;
struct kvmppc_pte;

/*
 * H_PTW_NESTED_4K: a KVM-private hcall an L1 hypervisor makes to its KVM
 * L0 (README "uapi"): does the L0 serve the L1's 4K partition-scoped
 * leaves of nested guests? In: r4 flags (0), r5 an L1 real address, r6 a
 * size (0: what the L0 serves at all). Out: r3 H_SUCCESS, r4 the bits
 * below. An L0 that does not know it (or has kvm_hv.ptw_l0_nested_4k=0)
 * leaves it to the VMM: QEMU answers H_FUNCTION.
 */
#define H_PTW_NESTED_4K			0xF840
/* every 4K leaf onto the range is served (never refused) */
#define H_PTW_NESTED_4K_SERVED		0x1UL
/* some bytes are in no memslot and no window: emulated MMIO */
#define H_PTW_NESTED_4K_MMIO		0x2UL
/* some bytes are in windows of the L0: 4K shadow leaves where they map */
#define H_PTW_NESTED_4K_WINDOW		0x4UL
/* some bytes are in memslots: 4K shadow leaves onto the L0's pages */
#define H_PTW_NESTED_4K_MEMSLOT		0x8UL

/*
 * What KVM's walkers ask of the guest RAM pages that live in a window's
 * 4K table (kvmppc_ptw_radix_ram()).
 */
enum kvmppc_ptw_ram_op {
	KVMPPC_PTW_RAM_UNMAP,		/* kvm_unmap_radix() and friends */
	KVMPPC_PTW_RAM_AGE,		/* kvm_age_radix() */
	KVMPPC_PTW_RAM_TEST_AGE,	/* kvm_test_age_radix() */
	KVMPPC_PTW_RAM_DIRTY,		/* kvmppc_ptw_radix_clear_dirty() */
};

int kvmppc_ptw_init(void);
void kvmppc_ptw_exit(void);
bool kvmppc_ptw_radix_fault(struct kvm_vcpu *vcpu, unsigned long gpa);
void kvmppc_ptw_vfio_file_del(struct kvm *kvm, struct file *file);
bool kvmppc_ptw_memslot_conflict(struct kvm *kvm,
				 const struct kvm_memory_slot *slot);
void kvmppc_ptw_radix_free(struct kvm *kvm);
bool kvmppc_ptw_radix_region_busy(struct kvm *kvm, unsigned long gpa,
				  unsigned int shift);
void kvmppc_ptw_vm_destroy(struct kvm *kvm);
bool kvmppc_ptw_hpt_fault(struct kvm_vcpu *vcpu, unsigned long index,
			  const unsigned long *hpte, unsigned long gpa);
void kvmppc_ptw_hpte_unmap_locked(struct kvm *kvm, __be64 *hptep,
				  struct revmap_entry *rev,
				  unsigned long index);
void kvmppc_ptw_hpt_free(struct kvm *kvm);
long kvmppc_ptw_nested_fault(struct kvm_vcpu *vcpu,
			     struct kvm_nested_guest *gp, unsigned long n_gpa,
			     const struct kvmppc_pte *gpte);
unsigned long kvmppc_ptw_nested_hcall(struct kvm_vcpu *vcpu);
void kvmppc_ptw_nested_fetch_inst(struct kvm_vcpu *vcpu,
				  struct kvm_nested_guest *gp);
bool kvmppc_ptw_shadow_make_room(struct kvm *kvm, pgd_t *pgtable,
				 unsigned long gpa, unsigned int level,
				 u64 lpid);
void kvmppc_ptw_shadow_free_table(struct kvm *kvm, pmd_t *pmdp, bool full,
				  u64 lpid);
pte_t *kvmppc_ptw_shadow_find(pgd_t *pgtable, unsigned long ea, pte_t *ptep,
			      unsigned int *hshift);
bool kvmppc_ptw_shadow_unmap_page(struct kvm *kvm, pgd_t *pgtable,
				  unsigned long gpa, u64 lpid);
pte_t *kvmppc_ptw_pte_offset(pmd_t pmd, unsigned long gpa, int *shift);
bool kvmppc_ptw_pmd_is_4k(pmd_t pmd);
bool kvmppc_ptw_radix_hides(struct kvm *kvm, unsigned long gpa);
int kvmppc_ptw_radix_set_ram(struct kvm *kvm, pmd_t *pmdp, pte_t pte,
			     unsigned long gpa);
int kvmppc_ptw_radix_ram(struct kvm *kvm,
			 const struct kvm_memory_slot *memslot,
			 unsigned long gfn, enum kvmppc_ptw_ram_op op);
bool kvmppc_ptw_radix_clear_dirty(struct kvm *kvm,
				  const struct kvm_memory_slot *memslot,
				  unsigned long gfn, int *npages);

/* Interrupt sources of the VM's XICS/XIVE device (book3s_msix_route.c). */
bool kvmppc_msix_source_exists(struct kvm *kvm, u32 irq);
int kvmppc_msix_raise(struct kvm *kvm, u32 irq);

/*
 * Allocators and the page-walk-cache flush of book3s_64_mmu_radix.c,
 * shared so window page tables come from the same caches as KVM's own.
 */
pmd_t *kvmppc_pmd_alloc(void);
void kvmppc_pmd_free(pmd_t *pmdp);
void kvmppc_pte_free(pte_t *ptep);
/* kvmppc_radix_flush_pwc(): in <asm/kvm_ptw_compat.h> (its LPID type). */

#endif /* __ASM_POWERPC_KVM_PTW_H__ */
