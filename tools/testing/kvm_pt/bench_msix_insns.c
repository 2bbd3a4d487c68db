// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions per emulated MSI-X table access, counted by callgrind on
 * the very virt/kvm/msix_emul.c the kernel builds (no sanitizers: the
 * count is of the emulator, not of instrumentation).
 *
 * The guest's pattern from the msix-table benchmark: mask and unmask a
 * vector by DWORD writes of vector_ctl, alternating. Only bench_loop()
 * and what it calls are counted (--toggle-collect=bench_loop), and the
 * count is divided by the number of accesses.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../../virt/kvm/msix_emul.c"

#define NVEC		4
#define VECTOR_CTL(v)	((v) * 16 + 12)

static unsigned long delivered, updates;

static void update(void *opaque, u16 vector, bool active, u64 msg_addr,
		   u32 msg_data)
{
	updates++;
}

static bool deliver(void *opaque, u16 vector, u64 msg_addr, u32 msg_data)
{
	delivered++;
	return true;
}

static const struct kvm_msix_emul_ops ops = {
	.update = update,
	.deliver = deliver,
};

/* Not inlined: callgrind counts from its entry. */
noinline void bench_loop(struct kvm_msix_emul *e, long n)
{
	u8 masked[4] = { 1, 0, 0, 0 }, unmasked[4] = { 0 };
	long i;

	for (i = 0; i < n; i++)
		kvm_msix_emul_write(e, VECTOR_CTL(1), 4,
				    (i & 1) ? masked : unmasked);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	struct kvm_msix_emul *e;

	e = kvm_msix_emul_create(NVEC, 0, 0x800, &ops, NULL);
	if (IS_ERR(e))
		return 1;
	kvm_msix_emul_set_ctrl(e, true, false);
	bench_loop(e, n);
	/* Every unmask routes and every mask unroutes: the full path ran. */
	printf("accesses=%ld updates=%lu\n", n, updates);
	kvm_msix_emul_destroy(e);
	return updates == (unsigned long)n ? 0 : 1;
}
