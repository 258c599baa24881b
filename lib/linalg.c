/* SPDX-License-Identifier: MIT */
#include "linalg.h"
#include "threads.h"
#include "vecmath.h"

#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <string.h>

#ifdef PF_BLAS
#include <cblas.h>
#endif

/* N = rows, K = inner size, M = columns */

void matmul_naive(float *out, const float *a, const float *b, size_t N, size_t K, size_t M)
{
	for (size_t n = 0; n < N; n++)
		for (size_t m = 0; m < M; m++) {
			double sum = 0.0;
			for (size_t k = 0; k < K; k++)
				sum += (double)a[n * K + k] * b[k * M + m];
			out[n * M + m] = (float)sum;
		}
}

/* the C kernel matmul() uses without a BLAS: the i-k-j loop order, rows of b stream through the cache */
static void matmul_loops(float *out, const float *a, const float *b, size_t N, size_t K, size_t M)
{
	memset(out, 0, N * M * sizeof(float));
#pragma omp parallel for if (N > 1 && N * K * M >= PARALLEL_MIN_WORK)
	for (size_t n = 0; n < N; n++) {
		float *out_n = out + n * M;
		for (size_t k = 0; k < K; k++)
			vec_axpy(out_n, a[n * K + k], b + k * M, M); /* out_n += a[n,k] b_k */
	}
}

void linear_naive(float *out, const float *x, const float *w, const float *bias, size_t N, size_t K, size_t M)
{
	for (size_t n = 0; n < N; n++)
		for (size_t m = 0; m < M; m++) {
			double sum = bias ? bias[m] : 0.0;
			for (size_t k = 0; k < K; k++)
				sum += (double)x[n * K + k] * w[m * K + k];
			out[n * M + m] = (float)sum;
		}
}

/*
 * Why linear() is shaped as it is: a Transformer spends almost all its time here (the
 * projections and the feed-forward network). Each row of w is a contiguous run of K floats,
 * so out[n,m] is a dot product of two contiguous rows. Two tricks make it fast without
 * changing what is computed beyond float rounding:
 *   - LANES running sums per dot product (sum over k = j, j + LANES, ...), added at the end:
 *     independent sums the compiler keeps in vector registers;
 *   - ROWS rows of x at once, so each row of w is read from memory once per ROWS rows.
 */
enum { LANES = 8, ROWS = 4 };

/* acc[r] = x_r . w_m for ROWS rows x_r = x + r * K (only the first `rows` are used) */
PF_CLONES static void dot_rows(float *acc, const float *x, const float *w_m, size_t rows, size_t K)
{
	float lane[ROWS][LANES] = { { 0 } };
	size_t k = 0;

	for (; k + LANES <= K; k += LANES)
		for (size_t r = 0; r < ROWS; r++) {
			const float *x_r = x + (r < rows ? r : 0) * K; /* unused rows repeat row 0: no branch inside */
			for (int j = 0; j < LANES; j++)
				lane[r][j] += x_r[k + j] * w_m[k + j];
		}
	for (size_t r = 0; r < rows; r++) {
		const float *x_r = x + r * K;
		float sum = ((lane[r][0] + lane[r][4]) + (lane[r][1] + lane[r][5])) +
			    ((lane[r][2] + lane[r][6]) + (lane[r][3] + lane[r][7]));
		for (size_t kk = k; kk < K; kk++) /* the K % LANES left over */
			sum += x_r[kk] * w_m[kk];
		acc[r] = sum;
	}
}

/* the C kernel linear() uses without a BLAS */
static void linear_loops(float *out, const float *x, const float *w, const float *bias, size_t N, size_t K, size_t M)
{
	/* blocks of ROWS rows to the threads: a row's sums do not depend on the rows beside it */
#pragma omp parallel for if (N > ROWS && N * K * M >= PARALLEL_MIN_WORK)
	for (size_t n = 0; n < N; n += ROWS) {
		size_t rows = N - n < ROWS ? N - n : ROWS;
		for (size_t m = 0; m < M; m++) {
			float acc[ROWS];
			dot_rows(acc, x + n * K, w + m * K, rows, K);
			for (size_t r = 0; r < rows; r++)
				out[(n + r) * M + m] = acc[r] + (bias ? bias[m] : 0.0f);
		}
	}
}

/*
 * With a BLAS (make BLAS=openblas, the default), both products are cblas_sgemm, which blocks them for
 * the caches and the vector registers far better than the loops above. The BLAS runs on one thread
 * (threads.c): a product big enough to share is cut here into at most MAX_BLOCKS blocks of at least
 * BLAS_COLS output columns (or, when the columns are too few, BLAS_ROWS rows), one cblas_sgemm each,
 * spread over OpenMP's threads, the same threads as every other loop, so that no second pool of threads
 * spins beside them. The blocks are as wide whatever the number of threads and each output is one
 * block's whole sum over k: the numbers do not depend on the threads. Sizes beyond a BLAS int fall back
 * to the loops.
 */
#ifdef PF_BLAS
enum { BLAS_COLS = 128, BLAS_ROWS = 64, MAX_BLOCKS = 4 };
/* below this many multiply-adds a product stays whole: cutting it would cost more than it shares */
#define SPLIT_MIN_WORK (16 * (size_t)PARALLEL_MIN_WORK)

static bool blas_fits(size_t N, size_t K, size_t M)
{
	return N > 0 && K > 0 && M > 0 && N <= INT_MAX && K <= INT_MAX && M <= INT_MAX;
}

/* how many blocks of at least min_width to cut n into (1: do not cut), and their width */
static size_t split_blocks(size_t n, size_t min_width, size_t *width)
{
	size_t blocks = n / min_width < MAX_BLOCKS ? n / min_width : MAX_BLOCKS;

	blocks = blocks < 1 ? 1 : blocks; /* few calls: each packs its operands again */
	*width = (n + blocks - 1) / blocks;
	return (n + *width - 1) / *width;
}

/*
 * c[rows,cols] = op(a)[rows,inner] op(b)[inner,cols] + beta c, row-major, op = transpose where asked;
 * with a bias, each row of c is first set to it (and beta is 1)
 */
typedef struct {
	bool trans_a, trans_b;
	size_t rows, cols, inner, lda, ldb, ldc;
	const float *a, *b, *bias;
	float beta;
	float *c;
} Product;

/* the columns (by_cols) or the rows first .. first + n - 1 of a product: one cblas_sgemm */
static void product_block(const Product *p, bool by_cols, size_t first, size_t n)
{
	const size_t rows = by_cols ? p->rows : n, cols = by_cols ? n : p->cols;
	const float *a = by_cols ? p->a : p->trans_a ? p->a + first : p->a + first * p->lda;
	const float *b = !by_cols ? p->b : p->trans_b ? p->b + first * p->ldb : p->b + first;
	float *c = by_cols ? p->c + first : p->c + first * p->ldc;

	/* the bias is written here, by the thread that computes the block: its pages are touched in parallel */
	for (size_t r = 0; p->bias && r < rows; r++)
		memcpy(c + r * p->ldc, p->bias + (by_cols ? first : 0), cols * sizeof(float));
	cblas_sgemm(CblasRowMajor, p->trans_a ? CblasTrans : CblasNoTrans, p->trans_b ? CblasTrans : CblasNoTrans,
		    (int)rows, (int)cols, (int)p->inner, 1.0f, a, (int)p->lda, b, (int)p->ldb, p->bias ? 1.0f : p->beta,
		    c, (int)p->ldc);
}

/* a product, cut into blocks of columns (or rows) shared by OpenMP's threads when it is big enough */
static void product(const Product *p)
{
	const bool by_cols = p->cols >= 2 * BLAS_COLS;
	size_t width, blocks = split_blocks(by_cols ? p->cols : p->rows, by_cols ? BLAS_COLS : BLAS_ROWS, &width);

	if (blocks == 1 || p->rows * p->cols * p->inner < SPLIT_MIN_WORK || thread_in_parallel()) {
		product_block(p, true, 0, p->cols); /* whole, without starting a team of threads */
		return;
	}
#pragma omp parallel for schedule(static)
	for (size_t j = 0; j < blocks; j++) {
		const size_t first = j * width, end = by_cols ? p->cols : p->rows;
		product_block(p, by_cols, first, end - first < width ? end - first : width);
	}
}
#endif

void matmul(float *out, const float *a, const float *b, size_t N, size_t K, size_t M)
{
#ifdef PF_BLAS
	if (blas_fits(N, K, M)) {
		product(&(Product){ .rows = N, .cols = M, .inner = K, .a = a, .lda = K, .b = b, .ldb = M, .c = out,
				    .ldc = M });
		return;
	}
#endif
	matmul_loops(out, a, b, N, K, M);
}

void linear(float *out, const float *x, const float *w, const float *bias, size_t N, size_t K, size_t M)
{
#ifdef PF_BLAS
	if (blas_fits(N, K, M)) {
		/* out = x w^T + out, with out preset to the bias; without one, out = x w^T (beta = 0, not read) */
		product(&(Product){ .trans_b = true, .rows = N, .cols = M, .inner = K, .a = x, .lda = K, .b = w, .ldb = K,
				    .bias = bias, .c = out, .ldc = M });
		return;
	}
#endif
	linear_loops(out, x, w, bias, N, K, M);
}

/* the C kernel linear_backward() uses without a BLAS */
static void linear_backward_loops(float *d_x, float *d_w, float *d_bias, const float *d_out, const float *x,
				  const float *w, size_t N, size_t K, size_t M)
{
	for (size_t n = 0; n < N; n++) {
		const float *d_out_n = d_out + n * M, *x_n = x + n * K;
		float *d_x_n = d_x ? d_x + n * K : NULL;
		for (size_t m = 0; m < M; m++) {
			const float g = d_out_n[m], *w_m = w + m * K;
			float *d_w_m = d_w ? d_w + m * K : NULL;
			if (d_bias)
				d_bias[m] += g;
			if (g == 0.0f)
				continue; /* a pad row or a blocked path: nothing flows */
			/* d_x[n,:] += d_out[n,m] w[m,:] and d_w[m,:] += d_out[n,m] x[n,:]: rows, contiguous */
			for (size_t k = 0; k < K && d_x_n; k++)
				d_x_n[k] += g * w_m[k];
			for (size_t k = 0; k < K && d_w_m; k++)
				d_w_m[k] += g * x_n[k];
		}
	}
}

void linear_backward(float *d_x, float *d_w, float *d_bias, const float *d_out, const float *x, const float *w,
		     size_t N, size_t K, size_t M)
{
#ifdef PF_BLAS
	if (blas_fits(N, K, M)) {
		/* d_x[N,K] += d_out[N,M] w[M,K];  d_w[M,K] += d_out^T x: beta = 1 accumulates */
		if (d_x)
			product(&(Product){ .rows = N, .cols = K, .inner = M, .a = d_out, .lda = M, .b = w, .ldb = K,
					    .beta = 1.0f, .c = d_x, .ldc = K });
		if (d_w)
			product(&(Product){ .trans_a = true, .rows = M, .cols = K, .inner = N, .a = d_out, .lda = M, .b = x,
					    .ldb = K, .beta = 1.0f, .c = d_w, .ldc = K });
		for (size_t n = 0; d_bias && n < N; n++)
			for (size_t m = 0; m < M; m++)
				d_bias[m] += d_out[n * M + m];
		return;
	}
#endif
	linear_backward_loops(d_x, d_w, d_bias, d_out, x, w, N, K, M);
}
