/* SPDX-License-Identifier: MIT */
/*
 * lib/search's length penalty against its definition (Wu et al. 2016, section 7), lp(L) = ((5 + L) / 6)^alpha,
 * at points worked out by hand: lp is 1 for one token or alpha = 0, and (5 + 7) / 6 = 2 for seven tokens.
 * The beam goldens only see the penalty through the hypothesis it picks, which a wrong constant can
 * leave unchanged. Prints one line per point; exits 1 when one is off. Run by tests/search-unit.bats.
 */
#include <math.h>
#include <stdio.h>

#include "err.h"
#include "search.h"

int main(int argc, char **argv)
{
	static const struct {
		size_t L;
		double alpha, lp;
	} points[] = {
		{ 1, 0.0, 1.0 }, { 1, 1.0, 1.0 }, { 1, 2.0, 1.0 }, { 9, 0.0, 1.0 }, { 7, 1.0, 2.0 },
		{ 7, 2.0, 4.0 }, { 13, 1.0, 3.0 }, { 13, 0.5, 1.7320508075688772 }, { 19, 0.6, 2.2973967099940698 },
	};
	int failed = 0;

	(void)argc;
	set_progname(argv[0]);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		double got = length_penalty(points[i].L, points[i].alpha);
		printf("length_penalty(L = %zu, alpha = %g) = %.17g (by hand %.17g)\n", points[i].L, points[i].alpha, got,
		       points[i].lp);
		failed |= fabs(got - points[i].lp) > 1e-12;
	}
	return failed;
}
