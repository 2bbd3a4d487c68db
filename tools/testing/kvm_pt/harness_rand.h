/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A seeded PRNG for the harness's random layouts: every run prints its
 * seed, and KVM_PT_SEED=<seed> replays a failure.
 */
#ifndef KVM_PT_HARNESS_RAND_H
#define KVM_PT_HARNESS_RAND_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64* (Marsaglia xorshift, Vigna's multiplier) */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static inline void seed_rng(const char *test, uint64_t dflt)
{
	const char *env = getenv("KVM_PT_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : dflt;

	printf("# %s: seed %#" PRIx64 " (KVM_PT_SEED=%#" PRIx64
	       " replays it)\n", test, seed, seed);
	rng = seed ? seed : 1;
}

/*
 * How many random layouts a test runs: @dflt in make check, or
 * KVM_PT_LAYOUTS=<n> for a longer soak (make soak).
 */
static inline unsigned long nr_random_layouts(unsigned long dflt)
{
	const char *e = getenv("KVM_PT_LAYOUTS");
	unsigned long n = e ? strtoul(e, NULL, 0) : 0;

	return n ? n : dflt;
}

#endif /* KVM_PT_HARNESS_RAND_H */
