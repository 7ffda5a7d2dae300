/*
 * Flywheel hot kernels in C, called from Java through the FFM API (dev.flywheel.kernels.internal.
 * NativeKernels). Same semantics as the Java interface dev.flywheel.kernels.Kernels; every pointer
 * already points at element 0 of the range (Java applies offsets), and Java validates shapes before
 * calling, so nothing here checks bounds.
 *
 * Built with plain `gcc -O3 -fPIC -shared`: the hot functions carry target attributes (AVX2+FMA+F16C,
 * and AVX-512 for the matmul) and the entry points pick the widest one the CPU has at run time, so
 * the library loads on any x86-64 and fw_cpu_supported() tells Java whether it may be used.
 * Weights are little-endian F32, BF16 or F16 (dtype codes below, matching DType.ordinal()).
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FW_F32 = 0, FW_BF16 = 1, FW_F16 = 2 };

#define AVX2_TARGET __attribute__((target("avx2,fma,f16c")))
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))

/* Bumped whenever a signature below changes; NativeKernels refuses a library with another version. */
int fw_abi_version(void) { return 8; }

/* 1 when the CPU has AVX2, FMA and F16C (the minimum these kernels use). */
int fw_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

/* Vector width in bits that fw_gemm uses on this CPU: 512 or 256. */
int fw_gemm_bits(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? 512 : 256;
}

static inline float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t) h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

AVX2_TARGET static inline float f16_to_f32(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

AVX2_TARGET static inline float weight_at(const void *w, int dt, size_t i) {
    switch (dt) {
        case FW_F32: return ((const float *) w)[i];
        case FW_BF16: return bf16_to_f32(((const uint16_t *) w)[i]);
        default: return f16_to_f32(((const uint16_t *) w)[i]);
    }
}

/* Explicitly fused (not left to -ffp-contract), so every inlined copy rounds the same way. */
AVX2_TARGET static inline void put(float *y, float v, float alpha, int acc) {
    *y = acc ? fmaf(alpha, v, *y) : alpha * v;
}

AVX2_TARGET static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* [sum(a), sum(b), sum(c), sum(d)] */
AVX2_TARGET static inline __m128 hsum4x256(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

AVX512_TARGET static inline __m256 fold512(__m512 v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
}

/* Weight-row groups (4 rows each) that fw_gemm prefetches ahead of the group it computes. */
#ifndef PREFETCH_GROUPS
#define PREFETCH_GROUPS 2
#endif
/* Up to this many bytes of a gemm's scratch (a 4-row weight group, and x when it is copied) live on the stack. */
#define GEMM_STACK_SCRATCH_BYTES (32 * 1024)
/* Batch rows from which fw_gemm works on aligned float32 copies of x and of each weight group. */
#ifndef GEMM_COPY_MIN_BATCH
#define GEMM_COPY_MIN_BATCH 8
#endif

/* ---- matmul, AVX2: 8 lanes, 16 ymm registers -> 4 weight rows x 2 batch rows ---- */
#define ISA avx2
#define TARGET AVX2_TARGET
#define VEC __m256
#define LANES 8
#define TILE_B 2
#define VZERO _mm256_setzero_ps()
#define VLOADU(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_store_ps(p, v)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VHSUM(v) hsum256(v)
#define VHSUM4(a, b, c, d) hsum4x256(a, b, c, d)
#define LOAD_F32(p) _mm256_loadu_ps(p)
#define LOAD_BF16(p) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *) (p))), 16))
#define LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (p)))
#include "gemm_tiles.inc"
#undef ISA
#undef TARGET
#undef VEC
#undef LANES
#undef TILE_B
#undef VZERO
#undef VLOADU
#undef VSTORE
#undef VFMA
#undef VHSUM
#undef VHSUM4
#undef LOAD_F32
#undef LOAD_BF16
#undef LOAD_F16

/* ---- matmul, AVX-512: 16 lanes, 32 zmm registers -> 4 weight rows x 4 batch rows ---- */
#define ISA avx512
#define TARGET AVX512_TARGET
#define VEC __m512
#define LANES 16
#define TILE_B 4
#define VZERO _mm512_setzero_ps()
#define VLOADU(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_store_ps(p, v)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define VHSUM4(a, b, c, d) hsum4x256(fold512(a), fold512(b), fold512(c), fold512(d))
#define LOAD_F32(p) _mm512_loadu_ps(p)
#define LOAD_BF16(p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *) (p))), 16))
#define LOAD_F16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (p)))
AVX512_TARGET static inline __attribute__((always_inline)) __m512 hadd512(__m512 p, __m512 q) {
    return _mm512_add_ps(_mm512_shuffle_ps(p, q, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(p, q, _MM_SHUFFLE(3, 1, 3, 1)));
}

/*
 * Epilogue of a 4 x 4 tile: y[j*ld + i] = alpha * sum(a[i][j]) (acc: added to y[j*ld + i]) for
 * i < 4, j < nb. One transposing tree (45 shuffles and adds for 16 sums instead of about 80 for four
 * VHSUM4s plus 16 scalar stores) whose additions per accumulator are exactly VHSUM4's:
 * f_k = v_k + v_{k+8}, then ((f0+f1)+(f2+f3)) + ((f4+f5)+(f6+f7)); the store matches put() (fused
 * multiply-add when accumulating), so results are bit-identical to the scalar epilogue.
 */
AVX512_TARGET static inline __attribute__((always_inline)) void reduce4x4_avx512(
        __m512 a[4][4], float *y, int ld, int nb, float alpha, int acc) {
    __m512 u[8];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        /* [f(a[i][0]) | f(a[i][1])] and [f(a[i][2]) | f(a[i][3])], 8 lanes each */
        u[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i][0], a[i][1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_f32x4(a[i][0], a[i][1], _MM_SHUFFLE(3, 2, 3, 2)));
        u[4 + i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i][2], a[i][3], _MM_SHUFFLE(1, 0, 1, 0)),
                                 _mm512_shuffle_f32x4(a[i][2], a[i][3], _MM_SHUFFLE(3, 2, 3, 2)));
    }
    __m512 z0 = hadd512(hadd512(u[0], u[1]), hadd512(u[2], u[3]));
    __m512 z1 = hadd512(hadd512(u[4], u[5]), hadd512(u[6], u[7]));
    /* lanes 4j + i hold sum(a[i][j]) */
    __m512 s = _mm512_add_ps(_mm512_shuffle_f32x4(z0, z1, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(z0, z1, _MM_SHUFFLE(3, 1, 3, 1)));
    float t[16];
    _mm512_storeu_ps(t, s);
    __m128 va = _mm_set1_ps(alpha);
    for (int j = 0; j < nb; j++) {
        __m128 v = _mm_loadu_ps(t + 4 * j);
        float *o = y + (size_t) j * ld;
        _mm_storeu_ps(o, acc ? _mm_fmadd_ps(va, v, _mm_loadu_ps(o)) : _mm_mul_ps(va, v));
    }
}

#define VREDUCE4x4(a, y, ld, nb, alpha, acc) reduce4x4_avx512(a, y, ld, nb, alpha, acc)
#define VMASK __mmask16
#define VLOADU_MASKED(m, p) _mm512_maskz_loadu_ps(m, p)
#define LOAD_F32_MASKED(m, p) _mm512_maskz_loadu_ps(m, p)
#define LOAD_BF16_MASKED(m, p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16))
#define LOAD_F16_MASKED(m, p) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p))
#include "gemm_tiles.inc"

AVX2_TARGET static inline __m256 loadw8(const void *w, size_t e, const int dt) {
    if (dt == FW_F32) return _mm256_loadu_ps((const float *) w + e);
    __m128i h = _mm_loadu_si128((const __m128i *) ((const uint16_t *) w + e));
    if (dt == FW_BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
}

/*
 * matmul for cols == 8, the B matrix of a rank-8 LoRA: 8 rows of W are transposed in registers into
 * its 8 columns, so each batch row costs 8 FMAs for 8 outputs and no horizontal sums.
 */
AVX2_TARGET static inline __attribute__((always_inline)) void gemm_cols8_dt(
        float *y, int ldy, const float *x, int batch, const void *w, int rows, float alpha, int acc, const int dt) {
    int r = 0;
    for (; r + 8 <= rows; r += 8) {
        __m256 t0 = loadw8(w, (size_t) r * 8, dt), t1 = loadw8(w, (size_t) r * 8 + 8, dt);
        __m256 t2 = loadw8(w, (size_t) r * 8 + 16, dt), t3 = loadw8(w, (size_t) r * 8 + 24, dt);
        __m256 t4 = loadw8(w, (size_t) r * 8 + 32, dt), t5 = loadw8(w, (size_t) r * 8 + 40, dt);
        __m256 t6 = loadw8(w, (size_t) r * 8 + 48, dt), t7 = loadw8(w, (size_t) r * 8 + 56, dt);
        __m256 u0 = _mm256_unpacklo_ps(t0, t1), u1 = _mm256_unpackhi_ps(t0, t1);
        __m256 u2 = _mm256_unpacklo_ps(t2, t3), u3 = _mm256_unpackhi_ps(t2, t3);
        __m256 u4 = _mm256_unpacklo_ps(t4, t5), u5 = _mm256_unpackhi_ps(t4, t5);
        __m256 u6 = _mm256_unpacklo_ps(t6, t7), u7 = _mm256_unpackhi_ps(t6, t7);
        __m256 v0 = _mm256_shuffle_ps(u0, u2, 0x44), v1 = _mm256_shuffle_ps(u0, u2, 0xEE);
        __m256 v2 = _mm256_shuffle_ps(u1, u3, 0x44), v3 = _mm256_shuffle_ps(u1, u3, 0xEE);
        __m256 v4 = _mm256_shuffle_ps(u4, u6, 0x44), v5 = _mm256_shuffle_ps(u4, u6, 0xEE);
        __m256 v6 = _mm256_shuffle_ps(u5, u7, 0x44), v7 = _mm256_shuffle_ps(u5, u7, 0xEE);
        __m256 c[8] = {
            _mm256_permute2f128_ps(v0, v4, 0x20), _mm256_permute2f128_ps(v1, v5, 0x20),
            _mm256_permute2f128_ps(v2, v6, 0x20), _mm256_permute2f128_ps(v3, v7, 0x20),
            _mm256_permute2f128_ps(v0, v4, 0x31), _mm256_permute2f128_ps(v1, v5, 0x31),
            _mm256_permute2f128_ps(v2, v6, 0x31), _mm256_permute2f128_ps(v3, v7, 0x31)};
        for (int b = 0; b < batch; b++) {
            const float *xb = x + (size_t) b * 8;
            __m256 s = _mm256_mul_ps(c[0], _mm256_broadcast_ss(xb));
#pragma GCC unroll 8
            for (int k = 1; k < 8; k++) s = _mm256_fmadd_ps(c[k], _mm256_broadcast_ss(xb + k), s);
            float *o = y + (size_t) b * ldy + r;
            s = _mm256_mul_ps(s, _mm256_set1_ps(alpha));
            _mm256_storeu_ps(o, acc ? _mm256_add_ps(_mm256_loadu_ps(o), s) : s);
        }
    }
    for (; r < rows; r++) {
        for (int b = 0; b < batch; b++) {
            float v = 0.f;
            for (int k = 0; k < 8; k++) v += weight_at(w, dt, (size_t) r * 8 + k) * x[(size_t) b * 8 + k];
            put(y + (size_t) b * ldy + r, v, alpha, acc);
        }
    }
}

AVX2_TARGET static void gemm_cols8(float *y, int ldy, const float *x, int batch, const void *w, int dt, int rows, float alpha,
                                   int acc) {
    switch (dt) {
        case FW_F32: gemm_cols8_dt(y, ldy, x, batch, w, rows, alpha, acc, FW_F32); break;
        case FW_BF16: gemm_cols8_dt(y, ldy, x, batch, w, rows, alpha, acc, FW_BF16); break;
        default: gemm_cols8_dt(y, ldy, x, batch, w, rows, alpha, acc, FW_F16); break;
    }
}

/*
 * y[b*ldy + r] = (acc ? y[b*ldy + r] : 0) + alpha * sum_c x[b*cols + c] * W[r*cols + c]
 * x: [batch, cols], W: [rows, cols] of dtype dt, y: batch rows of stride ldy >= rows (ldy > rows: W's
 * outputs are columns of a wider matrix, e.g. one row-split part of a larger matmul; the other columns
 * are not touched). bits: 512 or 256, the variant to run, chosen once by the caller from
 * fw_gemm_bits() (tests force 256 to cover both).
 */
void fw_gemm(float *y, int ldy, const float *x, int batch, const void *w, int dt, int rows, int cols, float alpha,
             int acc, int bits) {
    if (cols == 8) {
        gemm_cols8(y, ldy, x, batch, w, dt, rows, alpha, acc);
    } else if (bits == 512 && cols > 8) {
        gemm_avx512(y, ldy, x, batch, w, dt, rows, cols, alpha, acc);
    } else {
        gemm_avx2(y, ldy, x, batch, w, dt, rows, cols, alpha, acc);
    }
}


/* Prefetches the 64-byte lines of [p, p + bytes) into L1; nothing when p is NULL. */
static inline void prefetch_bytes(const void *p, size_t bytes) {
    for (size_t i = 0; p && i < bytes; i += 64) _mm_prefetch((const char *) p + i, _MM_HINT_T0);
}

/*
 * Cached K (then V) rows that attention prefetches ahead of the row it reads. The cache is cold at
 * every layer (the step's weight sweep evicted it); with 1 the prefetches of the next row found the
 * miss buffers still full and stalled (perf: ~40 % of attention's samples on prefetcht0). A C
 * harness over a 19 MB cache, evicted between layers like the step does, batch 32 x 6 layers:
 * 0.55 (1 ahead) -> 0.48-0.50 ms (3 ahead) at 32 positions, 1.15 -> 0.82 ms at 48 (2026-12-05).
 */
#ifndef ATT_PF
#define ATT_PF 3
#endif
/* Cache slot of position p in a paged KV cache (see fw_attention). */
static inline size_t kv_slot(const int32_t *block_table, int block_size, int p) {
    return (size_t) block_table[p / block_size] * block_size + p % block_size;
}

/*
 * One LoRA segment (see Kernels.loraSgmv): t[n, rank] = x[x_off..] · Aᵀ, then
 * y[y_off..][n, out] += scale · t · Bᵀ, with A [rank, in] and B [out, rank] of dtypes a_dt, b_dt;
 * offsets in floats; t: n * rank floats of scratch. The two fw_gemm calls of the per-call path in
 * one downcall: with 32 one-row segments a projection, the calls' overhead outweighed the work.
 * next_a / next_b (next_*_bytes long, NULL when none) are the next segment's weights, prefetched
 * here: a batch's adapters are evicted by each step's sweep over the base weights, and one-row
 * segments otherwise wait on every line of A and B in turn.
 */
void fw_lora_segment(float *y, int y_off, const float *x, int x_off, int n, const void *a, int a_dt,
                     const void *b, int b_dt, int rank, int in, int out, float scale, float *t, int bits,
                     const void *next_a, long next_a_bytes, const void *next_b, long next_b_bytes) {
    prefetch_bytes(next_a, (size_t) next_a_bytes);
    prefetch_bytes(next_b, (size_t) next_b_bytes);
    fw_gemm(t, rank, x + (size_t) x_off, n, a, a_dt, rank, in, 1.f, 0, bits);
    fw_gemm(y + (size_t) y_off, out, t, n, b, b_dt, out, rank, scale, 1, bits);
}

/*
 * dx[b*cols + c] += sum_r dy[b*rows + r] * W[r*cols + c]. Column strips of 16 (two ymm) against 4
 * batch rows, so each decoded weight pair is used 4 times; leftover columns in scalar code.
 */
AVX2_TARGET static inline __attribute__((always_inline)) void gemm_t_dt(
        float *dx, const float *dy, int batch, const void *w, int rows, int cols, const int dt) {
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            __m256 p[4], q[4];
            for (int j = 0; j < 4; j++) p[j] = q[j] = _mm256_setzero_ps();
            for (int r = 0; r < rows; r++) {
                __m256 v = loadw8(w, (size_t) r * cols + c, dt);
                __m256 u = loadw8(w, (size_t) r * cols + c + 8, dt);
                for (int j = 0; j < 4; j++) {
                    __m256 d = _mm256_broadcast_ss(dy + (size_t) (b + j) * rows + r);
                    p[j] = _mm256_fmadd_ps(v, d, p[j]);
                    q[j] = _mm256_fmadd_ps(u, d, q[j]);
                }
            }
            for (int j = 0; j < 4; j++) {
                float *o = dx + (size_t) (b + j) * cols + c;
                _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), p[j]));
                _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), q[j]));
            }
        }
        for (; b < batch; b++) {
            __m256 p = _mm256_setzero_ps(), q = _mm256_setzero_ps();
            for (int r = 0; r < rows; r++) {
                __m256 d = _mm256_broadcast_ss(dy + (size_t) b * rows + r);
                p = _mm256_fmadd_ps(loadw8(w, (size_t) r * cols + c, dt), d, p);
                q = _mm256_fmadd_ps(loadw8(w, (size_t) r * cols + c + 8, dt), d, q);
            }
            float *o = dx + (size_t) b * cols + c;
            _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), p));
            _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), q));
        }
    }
    for (; c < cols; c++) {
        for (int b = 0; b < batch; b++) {
            float s = 0.f;
            for (int r = 0; r < rows; r++) s += dy[(size_t) b * rows + r] * weight_at(w, dt, (size_t) r * cols + c);
            dx[(size_t) b * cols + c] += s;
        }
    }
}

AVX2_TARGET void fw_gemm_t_acc(float *dx, const float *dy, int batch, const void *w, int dt, int rows, int cols) {
    switch (dt) {
        case FW_F32: gemm_t_dt(dx, dy, batch, w, rows, cols, FW_F32); break;
        case FW_BF16: gemm_t_dt(dx, dy, batch, w, rows, cols, FW_BF16); break;
        default: gemm_t_dt(dx, dy, batch, w, rows, cols, FW_F16); break;
    }
}

AVX2_TARGET static inline float dot(const float *a, const float *b, int n) {
    __m256 s = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s);
    float t = hsum256(s);
    for (; i < n; i++) t += a[i] * b[i];
    return t;
}

/* out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i], i < n. */
AVX2_TARGET void fw_rmsnorm(float *out, const float *x, const float *weight, int n, float eps) {
    float ss = dot(x, x, n);
    float inv = (float) (1.0 / sqrt(ss / n + eps));
    for (int i = 0; i < n; i++) out[i] = x[i] * inv * weight[i];
}

/* Rotates pairs (i, i + headDim/2) of each of nHeads heads by the precomputed cos/sin[headDim/2]. */
AVX2_TARGET void fw_rope(float *x, int n_heads, int head_dim, const float *cos_t, const float *sin_t) {
    int half = head_dim / 2;
    for (int h = 0; h < n_heads; h++) {
        float *p = x + (size_t) h * head_dim;
        for (int i = 0; i < half; i++) {
            float x0 = p[i], x1 = p[i + half];
            p[i] = x0 * cos_t[i] - x1 * sin_t[i];
            p[i + half] = x0 * sin_t[i] + x1 * cos_t[i];
        }
    }
}

/*
 * e^x for 8 lanes, Cephes expf's method: x clamped to [-87.34, 88.38] (2^n stays a normal float),
 * n = round(x / ln 2), r = x - n ln 2 in two parts, e^r by a degree-7 polynomial, times 2^n built in
 * the exponent bits. Within ~2 ulp of the correctly rounded result over that range.
 */
AVX2_TARGET static inline __m256 exp256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3365447505f)), _mm256_set1_ps(88.3762626647949f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* Lanes [0, left) of 8 (left < 8): the mask of a vector loop's tail. */
AVX2_TARGET static inline __m256i tail_mask(int left) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* e^d for softmax: exactly 0 below exp256's clamp (-inf included, as expf gives), NaN kept. */
AVX2_TARGET static inline __m256 softmax_exp(__m256 d) {
    __m256 e = _mm256_andnot_ps(_mm256_cmp_ps(d, _mm256_set1_ps(-87.3365447505f), _CMP_LT_OQ), exp256(d));
    return _mm256_blendv_ps(e, d, _mm256_cmp_ps(d, d, _CMP_UNORD_Q));
}

/*
 * In-place numerically stable softmax over x[0, n): e^(x - max) by exp256 (~2 ulp), 8 lanes at a
 * time and the tail under a mask, summed in 8 lane partial sums. libm's expf one element at a time
 * was ~1 % of a batch-32 step (attention calls this per head and position range).
 */
AVX2_TARGET void fw_softmax(float *x, int n) {
    float max = -INFINITY;
    for (int i = 0; i < n; i++) max = x[i] > max ? x[i] : max;
    const __m256 vmax = _mm256_set1_ps(max);
    __m256 sum = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = softmax_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(x + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    if (i < n) {
        __m256i mask = tail_mask(n - i);
        __m256 e = softmax_exp(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), vmax));
        e = _mm256_and_ps(e, _mm256_castsi256_ps(mask));
        _mm256_maskstore_ps(x + i, mask, e);
        sum = _mm256_add_ps(sum, e);
    }
    const __m256 inv = _mm256_set1_ps(1.f / hsum256(sum));
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++) x[i] *= _mm256_cvtss_f32(inv);
}

/* silu(g) * u = g / (1 + e^-g) * u, 8 lanes. */
AVX2_TARGET static inline __m256 silu_times(__m256 g, __m256 u) {
    __m256 s = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.f), exp256(_mm256_sub_ps(_mm256_setzero_ps(), g))));
    return _mm256_mul_ps(s, u);
}

/*
 * SwiGLU in place (see Kernels.swiglu): gate[i] = gate[i] / (1 + e^-gate[i]) * up[i] for i < n.
 * The tail goes through the same 8-lane code under a mask, so an element's result does not depend
 * on where a range split puts it.
 */
AVX2_TARGET void fw_swiglu(float *gate, const float *up, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(gate + i, silu_times(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
    if (i < n) {
        __m256i mask = tail_mask(n - i);
        _mm256_maskstore_ps(gate + i, mask, silu_times(_mm256_maskload_ps(gate + i, mask), _mm256_maskload_ps(up + i, mask)));
    }
}

/*
 * One query token's attention over a paged KV cache (see Kernels.attention): q, out [n_heads,
 * head_dim]; caches [slots, n_kv_heads * head_dim]; position p in slot
 * block_table[p / block_size] * block_size + p % block_size. scores: n_heads * seq_len floats of
 * scratch ([head][position]), see fw_attention.
 *
 * Positions are the outer loop: each cached K (then V) row is read once, front to back, for all
 * heads, and the next row is prefetched. Per head the arithmetic is the head-by-head loop's (same
 * dot products, softmax, and accumulation over positions in order), so results do not change.
 */
AVX2_TARGET static void attention(float *out, const float *q, const float *k_cache, const float *v_cache,
                                  const int32_t *block_table, int block_size, int seq_len,
                                  int n_heads, int n_kv_heads, int head_dim, float *scores) {
    int kv_dim = n_kv_heads * head_dim;
    int group = n_heads / n_kv_heads;
    float scale = (float) (1.0 / sqrt((double) head_dim));
    size_t row_bytes = (size_t) kv_dim * sizeof(float);
    for (int p = 0; p < seq_len; p++) {
        size_t slot = kv_slot(block_table, block_size, p);
        if (p + ATT_PF < seq_len) prefetch_bytes(k_cache + kv_slot(block_table, block_size, p + ATT_PF) * kv_dim, row_bytes);
        const float *kp = k_cache + slot * kv_dim;
        for (int h = 0; h < n_heads; h++)
            scores[(size_t) h * seq_len + p] = dot(q + (size_t) h * head_dim, kp + (size_t) (h / group) * head_dim, head_dim) * scale;
    }
    for (int h = 0; h < n_heads; h++) fw_softmax(scores + (size_t) h * seq_len, seq_len);
    memset(out, 0, sizeof(float) * n_heads * head_dim);
    for (int p = 0; p < seq_len; p++) {
        size_t slot = kv_slot(block_table, block_size, p);
        if (p + ATT_PF < seq_len) prefetch_bytes(v_cache + kv_slot(block_table, block_size, p + ATT_PF) * kv_dim, row_bytes);
        const float *vrow = v_cache + slot * kv_dim;
        for (int h = 0; h < n_heads; h++) {
            const float *vp = vrow + (size_t) (h / group) * head_dim;
            float *oh = out + (size_t) h * head_dim;
            float sp = scores[(size_t) h * seq_len + p];
            __m256 a = _mm256_set1_ps(sp);
            int d = 0;
            for (; d + 8 <= head_dim; d += 8)
                _mm256_storeu_ps(oh + d, _mm256_fmadd_ps(a, _mm256_loadu_ps(vp + d), _mm256_loadu_ps(oh + d)));
            for (; d < head_dim; d++) oh[d] += sp * vp[d];
        }
    }
}

/* Scores of up to this many (head, position) pairs live on the stack (16 KB: 6 heads x 682 positions). */
#define ATTENTION_STACK_SCORES 4096

/*
 * attention() with its scores scratch on the stack, or from malloc beyond ATTENTION_STACK_SCORES:
 * the Java side used to allocate it per call, a new array per row per layer, and in a young JVM
 * each one lands on fresh heap pages (page faults in the timed decode steps).
 * Returns 0, or -1 when malloc fails.
 */
int fw_attention(float *out, const float *q, const float *k_cache, const float *v_cache,
                 const int32_t *block_table, int block_size, int seq_len,
                 int n_heads, int n_kv_heads, int head_dim) {
    float stack[ATTENTION_STACK_SCORES];
    size_t need = (size_t) n_heads * seq_len;
    float *scores = need <= ATTENTION_STACK_SCORES ? stack : malloc(need * sizeof(float));
    if (!scores) return -1;
    attention(out, q, k_cache, v_cache, block_table, block_size, seq_len, n_heads, n_kv_heads, head_dim, scores);
    if (scores != stack) free(scores);
    return 0;
}
