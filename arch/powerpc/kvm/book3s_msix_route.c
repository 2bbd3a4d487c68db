// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual interrupt side of the in-kernel MSI-X table emulation.
 *
 * A PAPR guest gets its MSIs through RTAS ibm,change-msi: the VMM writes
 * the device's MSI-X entry with address = the PHB's MSI window and data =
 * a guest interrupt source number, and routes the vector to that source
 * of the VM's XICS or XIVE device (book3s maps a GSI 1:1 to a source). A
 * guest that programs the MSI-X table itself must name the same things to
 * be routed: these helpers check that a message data is a source the VM
 * owns and raise it. They live in kvm.ko, with the interrupt controllers.
 */

#include <linux/kvm_host.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_ptw.h>

#include "book3s_xics.h"
#include "book3s_xive.h"

/**
 * kvmppc_msix_source_exists() - is @irq an interrupt source of the VM?
 * @kvm: the VM
 * @irq: a guest interrupt source number (an MSI's message data)
 *
 * Return: true if the VM's in-kernel XICS or XIVE device has the source.
 */
bool kvmppc_msix_source_exists(struct kvm *kvm, u32 irq)
{
	u16 idx;

#ifdef CONFIG_KVM_XIVE
	if (kvm->arch.xive) {
		struct kvmppc_xive_src_block *sb;

		sb = kvmppc_xive_find_source(kvm->arch.xive, irq, &idx);
		return sb && READ_ONCE(sb->irq_state[idx].valid);
	}
#endif
#ifdef CONFIG_KVM_XICS
	if (kvm->arch.xics) {
		struct kvmppc_ics *ics;

		ics = kvmppc_xics_find_ics(kvm->arch.xics, irq, &idx);
		return ics && READ_ONCE(ics->irq_state[idx].exists);
	}
#endif
	return false;
}
EXPORT_SYMBOL_GPL(kvmppc_msix_source_exists);

/**
 * kvmppc_msix_raise() - deliver one MSI into a guest interrupt source
 * @kvm: the VM
 * @irq: the source, checked with kvmppc_msix_source_exists()
 *
 * Safe in atomic context: it is what irqfd does for a book3s GSI.
 *
 * Return: 0 or a negative errno from the interrupt controller.
 */
int kvmppc_msix_raise(struct kvm *kvm, u32 irq)
{
	return kvm_set_irq(kvm, KVM_USERSPACE_IRQ_SOURCE_ID, irq, 1, false);
}
EXPORT_SYMBOL_GPL(kvmppc_msix_raise);
