/*
 * Flywheel hot kernels in CUDA: the same operations and semantics as dev.flywheel.kernels.Kernels
 * (see that interface for shapes). Built by build.sh with nvcc -arch=sm_90a when nvcc exists, into
 * libflywheel_cuda.so (CUDA runtime linked statically, so the library needs only the driver,
 * libcuda.so.1, at run time and loads harmlessly where there is none).
 *
 * Two layers of entry points:
 *  - fw_cuda_*_dev: device pointers, asynchronous on the given stream: what an engine keeping
 *    weights and the KV cache resident on the GPU calls.
 *  - fw_cuda_*: host pointers; copy in, run, copy out, synchronise. The thin Java binding
 *    (CudaKernels) uses these, one copy per call: correct everywhere, fast nowhere.
 * Every function returns a cudaError_t code (0 = success).
 * Weight dtype codes: 0 F32, 1 BF16, 2 F16 (little-endian, row-major [rows, cols]).
 */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

enum { FW_F32 = 0, FW_BF16 = 1, FW_F16 = 2 };

template <int DT>
__device__ __forceinline__ float weight(const void *w, size_t i) {
    if (DT == FW_F32) return static_cast<const float *>(w)[i];
    if (DT == FW_BF16) return __bfloat162float(static_cast<const __nv_bfloat16 *>(w)[i]);
    return __half2float(static_cast<const __half *>(w)[i]);
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Reduction over a block of up to 1024 threads; every thread gets the result. */
template <bool MAX>
__device__ float block_reduce(float v, float *shared32) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = MAX ? warp_max(v) : warp_sum(v);
    __syncthreads();
    if (lane == 0) shared32[warp] = v;
    __syncthreads();
    float r = lane < warps ? shared32[lane] : (MAX ? -INFINITY : 0.f);
    r = MAX ? warp_max(r) : warp_sum(r);
    return r;
}

constexpr int GEMM_WARPS = 8;   // rows per block
constexpr int GEMM_BATCH = 4;   // batch rows per warp: each weight element read once per 4 batch rows

/*
 * y[b, r] = (acc ? y[b, r] : 0) + alpha * sum_c x[b, c] * W[r, c]. One warp per (row, group of
 * GEMM_BATCH batch rows); lanes stride the columns (coalesced weight reads) and reduce by shuffle.
 */
template <int DT>
__global__ void gemm_kernel(float *y, const float *x, int batch, const void *w, int rows, int cols,
                            float alpha, int acc) {
    int r = blockIdx.x * GEMM_WARPS + (threadIdx.x >> 5);
    int b0 = blockIdx.y * GEMM_BATCH;
    int lane = threadIdx.x & 31;
    if (r >= rows) return;
    float s[GEMM_BATCH] = {0.f, 0.f, 0.f, 0.f};
    size_t wr = (size_t) r * cols;
    for (int c = lane; c < cols; c += 32) {
        float e = weight<DT>(w, wr + c);
#pragma unroll
        for (int j = 0; j < GEMM_BATCH; j++)
            if (b0 + j < batch) s[j] += e * x[(size_t) (b0 + j) * cols + c];
    }
#pragma unroll
    for (int j = 0; j < GEMM_BATCH; j++) {
        float t = warp_sum(s[j]);
        if (lane == 0 && b0 + j < batch) {
            float *o = y + (size_t) (b0 + j) * rows + r;
            *o = acc ? *o + alpha * t : alpha * t;
        }
    }
}

/* dx[b, c] += sum_r dy[b, r] * W[r, c]: one thread per (c, b), coalesced over c. */
template <int DT>
__global__ void gemm_t_acc_kernel(float *dx, const float *dy, int batch, const void *w, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int b = blockIdx.y;
    if (c >= cols || b >= batch) return;
    float s = 0.f;
    for (int r = 0; r < rows; r++) s += dy[(size_t) b * rows + r] * weight<DT>(w, (size_t) r * cols + c);
    dx[(size_t) b * cols + c] += s;
}

__global__ void rmsnorm_kernel(float *out, const float *x, const float *weight_v, int n, float eps) {
    __shared__ float red[32];
    float ss = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += x[i] * x[i];
    ss = block_reduce<false>(ss, red);
    float inv = (float) (1.0 / sqrt((double) (ss / n + eps)));
    for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = x[i] * inv * weight_v[i];
}

/* One thread per (head, pair i); angles in double as the Java RopeTable does. */
__global__ void rope_kernel(float *x, int n_heads, int head_dim, int pos, float theta) {
    int half = head_dim / 2;
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= n_heads * half) return;
    int h = t / half, i = t % half;
    double angle = pos * pow((double) theta, -2.0 * i / head_dim);
    float c = (float) cos(angle), s = (float) sin(angle);
    float *p = x + (size_t) h * head_dim;
    float x0 = p[i], x1 = p[i + half];
    p[i] = x0 * c - x1 * s;
    p[i + half] = x0 * s + x1 * c;
}

__device__ void block_softmax(float *x, int n, float *red) {
    float m = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x) m = fmaxf(m, x[i]);
    m = block_reduce<true>(m, red);
    float s = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float e = expf(x[i] - m);
        x[i] = e;
        s += e;
    }
    s = block_reduce<false>(s, red);
    float inv = 1.f / s;
    for (int i = threadIdx.x; i < n; i += blockDim.x) x[i] *= inv;
    __syncthreads();
}

__global__ void softmax_kernel(float *x, int n) {
    __shared__ float red[32];
    block_softmax(x, n, red);
}

/*
 * One block per query head. Scores for all positions go to a global scratch row of seq_len floats
 * per head (no shared-memory limit on the context length), then a block softmax, then each thread
 * owns output dimensions d and sums over positions.
 */
__global__ void attention_kernel(float *out, const float *q, const float *k_cache, const float *v_cache,
                                 const int32_t *block_table, int block_size, int seq_len, int n_heads,
                                 int n_kv_heads, int head_dim, float *scores) {
    __shared__ float red[32];
    int h = blockIdx.x;
    int kv_dim = n_kv_heads * head_dim;
    size_t kv_off = (size_t) (h / (n_heads / n_kv_heads)) * head_dim;
    const float *qh = q + (size_t) h * head_dim;
    float *sc = scores + (size_t) h * seq_len;
    float scale = (float) (1.0 / sqrt((double) head_dim));
    for (int p = threadIdx.x; p < seq_len; p += blockDim.x) {
        size_t slot = (size_t) block_table[p / block_size] * block_size + p % block_size;
        const float *kp = k_cache + slot * kv_dim + kv_off;
        float d = 0.f;
        for (int i = 0; i < head_dim; i++) d += qh[i] * kp[i];
        sc[p] = d * scale;
    }
    __syncthreads();
    block_softmax(sc, seq_len, red);
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float acc = 0.f;
        for (int p = 0; p < seq_len; p++) {
            size_t slot = (size_t) block_table[p / block_size] * block_size + p % block_size;
            acc += sc[p] * v_cache[slot * kv_dim + kv_off + d];
        }
        out[(size_t) h * head_dim + d] = acc;
    }
}

extern "C" {

int fw_cuda_abi_version(void) { return 1; }

/* Number of usable CUDA devices; 0 where there is no driver or no device. */
int fw_cuda_device_count(void) {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

/* ---- device-pointer entry points (asynchronous on stream) ---- */

int fw_cuda_gemm_dev(float *y, const float *x, int batch, const void *w, int dt, int rows, int cols,
                     float alpha, int acc, cudaStream_t stream) {
    dim3 grid((rows + GEMM_WARPS - 1) / GEMM_WARPS, (batch + GEMM_BATCH - 1) / GEMM_BATCH);
    dim3 block(32 * GEMM_WARPS);
    switch (dt) {
        case FW_F32: gemm_kernel<FW_F32><<<grid, block, 0, stream>>>(y, x, batch, w, rows, cols, alpha, acc); break;
        case FW_BF16: gemm_kernel<FW_BF16><<<grid, block, 0, stream>>>(y, x, batch, w, rows, cols, alpha, acc); break;
        default: gemm_kernel<FW_F16><<<grid, block, 0, stream>>>(y, x, batch, w, rows, cols, alpha, acc); break;
    }
    return cudaGetLastError();
}

int fw_cuda_gemm_t_acc_dev(float *dx, const float *dy, int batch, const void *w, int dt, int rows, int cols,
                           cudaStream_t stream) {
    dim3 grid((cols + 127) / 128, batch);
    switch (dt) {
        case FW_F32: gemm_t_acc_kernel<FW_F32><<<grid, 128, 0, stream>>>(dx, dy, batch, w, rows, cols); break;
        case FW_BF16: gemm_t_acc_kernel<FW_BF16><<<grid, 128, 0, stream>>>(dx, dy, batch, w, rows, cols); break;
        default: gemm_t_acc_kernel<FW_F16><<<grid, 128, 0, stream>>>(dx, dy, batch, w, rows, cols); break;
    }
    return cudaGetLastError();
}

/*
 * SGMV: for each segment s with a non-null adapter, rows [seg_start[s], seg_start[s+1]) get
 * y += scale[s] * (x · A_sᵀ) · B_sᵀ, via the shrink (into tmp, [rows, rank_s]) and expand gemms.
 * Host arrays describe the segments; a_ptrs/b_ptrs are device pointers (null = no adapter).
 */
int fw_cuda_lora_sgmv_dev(float *y, const float *x, int n_segments, const int32_t *seg_start,
                          const void *const *a_ptrs, const void *const *b_ptrs, const int32_t *dtypes,
                          const int32_t *ranks, const float *scale, int in, int out, float *tmp,
                          cudaStream_t stream) {
    for (int s = 0; s < n_segments; s++) {
        int n = seg_start[s + 1] - seg_start[s];
        if (a_ptrs[s] == nullptr || n == 0) continue;
        int e = fw_cuda_gemm_dev(tmp, x + (size_t) seg_start[s] * in, n, a_ptrs[s], dtypes[s], ranks[s], in, 1.f, 0, stream);
        if (e) return e;
        e = fw_cuda_gemm_dev(y + (size_t) seg_start[s] * out, tmp, n, b_ptrs[s], dtypes[s], out, ranks[s], scale[s], 1, stream);
        if (e) return e;
    }
    return cudaSuccess;
}

int fw_cuda_rmsnorm_dev(float *out, const float *x, const float *weight_v, int n, float eps, cudaStream_t stream) {
    rmsnorm_kernel<<<1, 256, 0, stream>>>(out, x, weight_v, n, eps);
    return cudaGetLastError();
}

int fw_cuda_rope_dev(float *x, int n_heads, int head_dim, int pos, float theta, cudaStream_t stream) {
    int threads = n_heads * (head_dim / 2);
    rope_kernel<<<(threads + 127) / 128, 128, 0, stream>>>(x, n_heads, head_dim, pos, theta);
    return cudaGetLastError();
}

int fw_cuda_softmax_dev(float *x, int n, cudaStream_t stream) {
    softmax_kernel<<<1, 256, 0, stream>>>(x, n);
    return cudaGetLastError();
}

/* scores: device scratch of n_heads * seq_len floats. */
int fw_cuda_attention_dev(float *out, const float *q, const float *k_cache, const float *v_cache,
                          const int32_t *block_table, int block_size, int seq_len, int n_heads, int n_kv_heads,
                          int head_dim, float *scores, cudaStream_t stream) {
    attention_kernel<<<n_heads, 128, 0, stream>>>(out, q, k_cache, v_cache, block_table, block_size, seq_len,
                                                  n_heads, n_kv_heads, head_dim, scores);
    return cudaGetLastError();
}

/* ---- host-pointer entry points: copy in, run on the default stream, copy out ---- */

static size_t dtype_bytes(int dt) { return dt == FW_F32 ? 4 : 2; }

#define FW_TRY(call) do { cudaError_t e_ = (cudaError_t) (call); if (e_ != cudaSuccess) { err = e_; goto done; } } while (0)

static cudaError_t upload(void **dev, const void *host, size_t bytes) {
    cudaError_t e = cudaMalloc(dev, bytes > 0 ? bytes : 1);
    if (e != cudaSuccess) return e;
    return host ? cudaMemcpy(*dev, host, bytes, cudaMemcpyHostToDevice) : cudaSuccess;
}

int fw_cuda_gemm(float *y, const float *x, int batch, const void *w, int dt, int rows, int cols, float alpha, int acc) {
    cudaError_t err = cudaSuccess;
    void *dy = nullptr, *dx = nullptr, *dw = nullptr;
    size_t ybytes = (size_t) batch * rows * 4;
    FW_TRY(upload(&dy, acc ? y : nullptr, ybytes));
    FW_TRY(upload(&dx, x, (size_t) batch * cols * 4));
    FW_TRY(upload(&dw, w, (size_t) rows * cols * dtype_bytes(dt)));
    FW_TRY(fw_cuda_gemm_dev((float *) dy, (const float *) dx, batch, dw, dt, rows, cols, alpha, acc, 0));
    FW_TRY(cudaMemcpy(y, dy, ybytes, cudaMemcpyDeviceToHost));
done:
    cudaFree(dy);
    cudaFree(dx);
    cudaFree(dw);
    return err;
}

int fw_cuda_gemm_t_acc(float *dx, const float *dy, int batch, const void *w, int dt, int rows, int cols) {
    cudaError_t err = cudaSuccess;
    void *ddx = nullptr, *ddy = nullptr, *dw = nullptr;
    size_t xbytes = (size_t) batch * cols * 4;
    FW_TRY(upload(&ddx, dx, xbytes));
    FW_TRY(upload(&ddy, dy, (size_t) batch * rows * 4));
    FW_TRY(upload(&dw, w, (size_t) rows * cols * dtype_bytes(dt)));
    FW_TRY(fw_cuda_gemm_t_acc_dev((float *) ddx, (const float *) ddy, batch, dw, dt, rows, cols, 0));
    FW_TRY(cudaMemcpy(dx, ddx, xbytes, cudaMemcpyDeviceToHost));
done:
    cudaFree(ddx);
    cudaFree(ddy);
    cudaFree(dw);
    return err;
}

int fw_cuda_rmsnorm(float *out, const float *x, const float *weight_v, int n, float eps) {
    cudaError_t err = cudaSuccess;
    void *dout = nullptr, *dxv = nullptr, *dw = nullptr;
    FW_TRY(upload(&dout, nullptr, (size_t) n * 4));
    FW_TRY(upload(&dxv, x, (size_t) n * 4));
    FW_TRY(upload(&dw, weight_v, (size_t) n * 4));
    FW_TRY(fw_cuda_rmsnorm_dev((float *) dout, (const float *) dxv, (const float *) dw, n, eps, 0));
    FW_TRY(cudaMemcpy(out, dout, (size_t) n * 4, cudaMemcpyDeviceToHost));
done:
    cudaFree(dout);
    cudaFree(dxv);
    cudaFree(dw);
    return err;
}

int fw_cuda_rope(float *x, int n_heads, int head_dim, int pos, float theta) {
    cudaError_t err = cudaSuccess;
    void *dxv = nullptr;
    size_t bytes = (size_t) n_heads * head_dim * 4;
    FW_TRY(upload(&dxv, x, bytes));
    FW_TRY(fw_cuda_rope_dev((float *) dxv, n_heads, head_dim, pos, theta, 0));
    FW_TRY(cudaMemcpy(x, dxv, bytes, cudaMemcpyDeviceToHost));
done:
    cudaFree(dxv);
    return err;
}

int fw_cuda_softmax(float *x, int n) {
    cudaError_t err = cudaSuccess;
    void *dxv = nullptr;
    FW_TRY(upload(&dxv, x, (size_t) n * 4));
    FW_TRY(fw_cuda_softmax_dev((float *) dxv, n, 0));
    FW_TRY(cudaMemcpy(x, dxv, (size_t) n * 4, cudaMemcpyDeviceToHost));
done:
    cudaFree(dxv);
    return err;
}

/* cache_floats: length of each cache array (the whole pool is copied: thin binding only). */
int fw_cuda_attention(float *out, const float *q, const float *k_cache, const float *v_cache, long long cache_floats,
                      const int32_t *block_table, int table_len, int block_size, int seq_len, int n_heads,
                      int n_kv_heads, int head_dim) {
    cudaError_t err = cudaSuccess;
    void *dout = nullptr, *dq = nullptr, *dk = nullptr, *dv = nullptr, *dt = nullptr, *ds = nullptr;
    size_t qbytes = (size_t) n_heads * head_dim * 4;
    FW_TRY(upload(&dout, nullptr, qbytes));
    FW_TRY(upload(&dq, q, qbytes));
    FW_TRY(upload(&dk, k_cache, (size_t) cache_floats * 4));
    FW_TRY(upload(&dv, v_cache, (size_t) cache_floats * 4));
    FW_TRY(upload(&dt, block_table, (size_t) table_len * 4));
    FW_TRY(upload(&ds, nullptr, (size_t) n_heads * seq_len * 4));
    FW_TRY(fw_cuda_attention_dev((float *) dout, (const float *) dq, (const float *) dk, (const float *) dv,
                                 (const int32_t *) dt, block_size, seq_len, n_heads, n_kv_heads, head_dim,
                                 (float *) ds, 0));
    FW_TRY(cudaMemcpy(out, dout, qbytes, cudaMemcpyDeviceToHost));
done:
    cudaFree(dout);
    cudaFree(dq);
    cudaFree(dk);
    cudaFree(dv);
    cudaFree(dt);
    cudaFree(ds);
    return err;
}

}  // extern "C"
