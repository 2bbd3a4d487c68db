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
