/*
 * The engine's CPU GEMM: a Node-API addon (scripts/build-cpu-addon.mjs compiles it at install
 * time with the machine's C compiler) that multiplies float32 matrices lying on
 * tfjs-backend-wasm's heap, in place, with the CPU's full vector width.
 *
 * Why: the engine's wasm kernels (../native/kernels.wat) are limited to WebAssembly's 128-bit
 * SIMD; on a CPU with AVX2 (256-bit) or AVX-512 (512-bit) and two FMA units a native kernel does
 * 2-4x the multiply-adds per cycle. The addon is optional: where it did not build or does not
 * load, the wasm kernels run (native-kernels.ts).
 *
 *   C (m x n, row stride ldc) = op(A) . op(B) (+ bias) (relu)
 *   op(A)[i][p] = ta ? A[p*m + i] : A[i*k + p]     op(B)[p][j] = tb ? B[j*k + p] : B[p*n + j]
 *
 * The classic blocked algorithm: B packed in KC x NR panels, A in MR x KC panels, an MR x NR
 * register tile (accumulators never leave registers over the KC steps), bias added with the first
 * block of k, relu applied after the last. One build holds three variants of the tile, each
 * compiled for its instruction set (GCC/Clang target attributes) and chosen at load by what the
 * CPU reports: AVX-512F (zmm), AVX2+FMA (ymm), and a portable one (the compiler's baseline),
 * each in a wide tile and a one-vector-wide one for products with few columns.
 *
 * Convolutions (conv): the forward pass and the filter gradient are one GEMM each whose im2col
 * operand is read from the image while packing (no im2col buffer); the input gradient is
 * col2im(dy . filter^T), a few images at a time so the columns stay in the cache.
 *
 * Two threads share a call by rows of C (or by columns when C has few rows, or by images): a
 * persistent worker thread, polling for calls while they come and sleeping between bursts.
 * Not reentrant: the worker, the scratch buffers and the call numbers are the process's, so
 * calls come from one thread at a time (the engine's; nothing else loads the addon).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>

#define KC 256
#define MC 120
#define MAX_THREADS 2

/*
 * A convolution's window geometry (NHWC): the source has n images of h x w x c; the output grid
 * is oh x ow; windows of fh x fw taps, stride sh x sw, padding top/left (zeros outside).
 * im2col(src) is the matrix [n*oh*ow pixels][fh*fw*c taps] it implies, never formed here.
 */
typedef struct {
  int n, h, w, c, oh, ow, fh, fw, sh, sw, top, left;
} window;

/* How op(A) and op(B) are read. */
enum { A_DENSE, A_IM2COL, A_IM2COL_T };

typedef struct {
  const float *a;
  const float *b;
  float *c;
  const float *bias;
  int m, k, n, ta, tb, relu, ldc;
  /* A_IM2COL: op(A) = im2col(a) (m pixels x k taps); A_IM2COL_T: its transpose (m taps x k pixels). */
  int amode;
  window g;
  /* When kend > 0: only the summed index's range [kbeg, kend) (one thread's part of a split k). */
  int kbeg, kend;
} gemm_job;

/* Per thread packing scratch, grown on demand (64-byte aligned). */
typedef struct {
  float *buf;
  size_t floats;
} scratch;

static float *scratch_get(scratch *s, size_t floats) {
  if (floats > s->floats) {
    free(s->buf);
    s->floats = floats + floats / 2;
    s->buf = aligned_alloc(64, ((s->floats * sizeof(float)) + 63) & ~(size_t)63);
    if (!s->buf) s->floats = 0;
  }
  return s->buf;
}

/*
 * Fills dst[t * stride] for t in [0, count) with taps [p, p+count) of output pixel `pixel` of
 * im2col(src): runs of channels copied from src, zeros where the window hangs over the edge.
 */
static void im2col_taps(const float *src, const window *g, int pixel, int p, int count, float *dst, int stride) {
  const int ox = pixel % g->ow, oy = (pixel / g->ow) % g->oh, b = pixel / (g->ow * g->oh);
  int ci = p % g->c, kx = (p / g->c) % g->fw, ky = p / (g->c * g->fw);
  int t = 0;
  while (t < count) {
    const int run = g->c - ci < count - t ? g->c - ci : count - t;
    const int iy = oy * g->sh + ky - g->top, ix = ox * g->sw + kx - g->left;
    if (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w) {
      const float *from = src + (((size_t)b * g->h + iy) * g->w + ix) * g->c + ci;
      for (int q = 0; q < run; q++) dst[(size_t)(t + q) * stride] = from[q];
    } else {
      for (int q = 0; q < run; q++) dst[(size_t)(t + q) * stride] = 0.f;
    }
    t += run;
    ci = 0;
    if (++kx == g->fw) {
      kx = 0;
      ky++;
    }
  }
}

/*
 * Which layout the filter gradient's im2col block takes: with few channels (a first layer's
 * pixels) a pixel's taps are runs of 1-3 floats, so tap by tap along output rows is faster; with
 * more, runs of channels per pixel are.
 */
#define TAP_MAJOR(g) ((g)->c < 8)

/*
 * im2col(src) for pixels [p0, p0+kc) and taps [t0, t0+nt), tap-major: out[t*kc + p]. Walks the
 * pixels a stretch of one output row at a time, where each tap's values lie `sw*c` floats apart,
 * so only a stretch's ends need checking against the image's edges.
 */
static void im2col_tap_major(const float *src, const window *g, int p0, int kc, int t0, int nt, float *out) {
  for (int p = 0; p < kc;) {
    const int pixel = p0 + p;
    const int ox0 = pixel % g->ow, oy = (pixel / g->ow) % g->oh, b = pixel / (g->ow * g->oh);
    const int seg = g->ow - ox0 < kc - p ? g->ow - ox0 : kc - p;
    const float *image = src + (size_t)b * g->h * g->w * g->c;
    const size_t step = (size_t)g->sw * g->c;
    int ci = t0 % g->c, kx = (t0 / g->c) % g->fw, ky = t0 / (g->c * g->fw);
    for (int t = 0; t < nt; t++) {
      float *o = out + (size_t)t * kc + p;
      const int iy = oy * g->sh + ky - g->top, ix0 = ox0 * g->sw + kx - g->left;
      if (iy < 0 || iy >= g->h) {
        for (int q = 0; q < seg; q++) o[q] = 0.f;
      } else {
        const float *row = image + (size_t)iy * g->w * g->c + ci;
        if (ix0 >= 0 && ix0 + (seg - 1) * g->sw < g->w) {
          const float *from = row + (ptrdiff_t)ix0 * g->c;
          for (int q = 0; q < seg; q++) o[q] = from[q * step];
        } else {
          for (int q = 0; q < seg; q++) {
            const int ix = ix0 + q * g->sw;
            o[q] = ix >= 0 && ix < g->w ? row[(ptrdiff_t)ix * g->c] : 0.f;
          }
        }
      }
      if (++ci == g->c) {
        ci = 0;
        if (++kx == g->fw) {
          kx = 0;
          ky++;
        }
      }
    }
    p += seg;
  }
}

/*
 * Packs rows [i0, i0+mr) of op(A), columns [p0, p0+kc), as kc groups of MR floats (zero padded).
 * A_IM2COL_T reads the block the caller formed in `cols` instead (see the run function).
 */
static void pack_a(const gemm_job *j, int i0, int mr_real, int p0, int kc, int MR, float *dst, const float *cols,
                   int mt, int ib) {
  if (j->amode == A_IM2COL) {
    const window *g = &j->g;
    const int ox0 = i0 % g->ow, oy = (i0 / g->ow) % g->oh, b = i0 / (g->ow * g->oh);
    if (ox0 + mr_real <= g->ow) {
      /*
       * The panel's pixels lie along one output row: tap by tap, each pixel's value is `step`
       * floats after the previous one's, and only the panel's first and last pixels need
       * checking against the image's edges.
       */
      const int step = g->sw * g->c;
      const float *image = j->a + (size_t)b * g->h * g->w * g->c;
      int ci = p0 % g->c, kx = (p0 / g->c) % g->fw, ky = p0 / (g->c * g->fw);
      for (int p = 0; p < kc; p++) {
        float *out = dst + (size_t)p * MR;
        const int iy = oy * g->sh + ky - g->top, ix0 = ox0 * g->sw + kx - g->left;
        if (iy < 0 || iy >= g->h) {
          for (int r = 0; r < mr_real; r++) out[r] = 0.f;
        } else {
          const float *row = image + (size_t)iy * g->w * g->c + ci;
          if (ix0 >= 0 && ix0 + (mr_real - 1) * g->sw < g->w) {
            const float *from = row + (ptrdiff_t)ix0 * g->c;
            for (int r = 0; r < mr_real; r++) out[r] = from[(size_t)r * step];
          } else {
            for (int r = 0; r < mr_real; r++) {
              const int ix = ix0 + r * g->sw;
              out[r] = ix >= 0 && ix < g->w ? row[(size_t)ix * g->c] : 0.f;
            }
          }
        }
        if (++ci == g->c) {
          ci = 0;
          if (++kx == g->fw) {
            kx = 0;
            ky++;
          }
        }
      }
    } else {
      for (int r = 0; r < mr_real; r++) im2col_taps(j->a, g, i0 + r, p0, kc, dst + r, MR);
    }
  } else if (j->amode == A_IM2COL_T && TAP_MAJOR(&j->g)) {
    /* From this thread's im2col block `cols`: its taps from tap ib, tap-major (kc pixels each). */
    for (int r = 0; r < mr_real; r++) {
      const float *src = cols + (size_t)(i0 - ib + r) * kc;
      for (int p = 0; p < kc; p++) dst[p * MR + r] = src[p];
    }
  } else if (j->amode == A_IM2COL_T) {
    /* From `cols` pixel-major: kc rows of this thread's mt taps from tap ib. */
    for (int p = 0; p < kc; p++) {
      const float *src = cols + (size_t)p * mt + (i0 - ib);
      for (int r = 0; r < mr_real; r++) dst[p * MR + r] = src[r];
    }
  } else if (!j->ta) {
    for (int r = 0; r < mr_real; r++) {
      const float *src = j->a + (size_t)(i0 + r) * j->k + p0;
      for (int p = 0; p < kc; p++) dst[p * MR + r] = src[p];
    }
  } else {
    for (int p = 0; p < kc; p++) {
      const float *src = j->a + (size_t)(p0 + p) * j->m + i0;
      for (int r = 0; r < mr_real; r++) dst[p * MR + r] = src[r];
    }
  }
  if (mr_real < MR)
    for (int p = 0; p < kc; p++)
      for (int r = mr_real; r < MR; r++) dst[p * MR + r] = 0.f;
}

/* Packs columns [j0, j0+nr) of op(B), rows [p0, p0+kc), as kc groups of NR floats (zero padded). */
static void pack_b(const gemm_job *j, int j0, int nr_real, int p0, int kc, int NR, float *dst) {
  if (!j->tb) {
    for (int p = 0; p < kc; p++) {
      const float *src = j->b + (size_t)(p0 + p) * j->n + j0;
      for (int c = 0; c < nr_real; c++) dst[p * NR + c] = src[c];
      for (int c = nr_real; c < NR; c++) dst[p * NR + c] = 0.f;
    }
  } else {
    for (int c = 0; c < nr_real; c++) {
      const float *src = j->b + (size_t)(j0 + c) * j->k + p0;
      for (int p = 0; p < kc; p++) dst[p * NR + c] = src[p];
    }
    for (int p = 0; p < kc; p++)
      for (int c = nr_real; c < NR; c++) dst[p * NR + c] = 0.f;
  }
}

/*
 * Writes an MR x NR tile (row-major in `t`) to C at (i0, j0), of which mr x nr are real:
 * overwrite (+ bias) on the first block of k, add otherwise; relu after the last.
 */
static void store_tile(const gemm_job *j, const float *t, int NR, int i0, int j0, int mr, int nr, int first,
                       int last) {
  for (int r = 0; r < mr; r++) {
    float *row = j->c + (size_t)(i0 + r) * j->ldc + j0;
    const float *src = t + r * NR;
    if (first) {
      if (j->bias)
        for (int c = 0; c < nr; c++) row[c] = src[c] + j->bias[j0 + c];
      else
        for (int c = 0; c < nr; c++) row[c] = src[c];
    } else {
      for (int c = 0; c < nr; c++) row[c] += src[c];
    }
    if (last && j->relu)
      for (int c = 0; c < nr; c++) row[c] = row[c] > 0.f ? row[c] : 0.f;
  }
}

/*
 * One variant: VW floats per vector, an MR x (NV*VW) tile. The tile's accumulators are a local
 * array the compiler keeps in registers (fully unrolled constant loops).
 */
#define DEFINE_GEMM(NAME, TARGET, VW, MR, NV)                                                                          \
  typedef float NAME##_vec __attribute__((vector_size(VW * 4)));                                                       \
  typedef float NAME##_uvec __attribute__((vector_size(VW * 4), aligned(4)));                                          \
  TARGET static void NAME##_tile(int kc, const float *restrict ap, const float *restrict bp, float *restrict out) {    \
    NAME##_vec acc[MR][NV];                                                                                            \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                                              \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] = (NAME##_vec){0};                                \
    for (int p = 0; p < kc; p++) {                                                                                     \
      NAME##_vec bv[NV];                                                                                               \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) bv[v] = *(const NAME##_uvec *)(bp + p * NV * VW + v * VW);  \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++) {                                                          \
        const float av = ap[p * MR + r];                                                                               \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] += bv[v] * av;                                  \
      }                                                                                                                \
    }                                                                                                                  \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                                              \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) *(NAME##_vec *)(out + r * NV * VW + v * VW) = acc[r][v];    \
  }                                                                                                                    \
  TARGET static void NAME##_run(const gemm_job *j, int i_begin, int i_end, int j_begin, int j_end,                     \
                                scratch *s) {                                                                          \
    const int NR = NV * VW;                                                                                            \
    const int ncols = j_end - j_begin;                                                                                 \
    const int npanels = (ncols + NR - 1) / NR;                                                                         \
    /* A_IM2COL_T: kc pixels' im2col rows, this thread's taps only, formed per block of k. */                          \
    const int mt = j->amode == A_IM2COL_T ? i_end - i_begin : 0;                                                       \
    float *bpack = scratch_get(s, (size_t)npanels * NR * KC + (size_t)MC * KC + (size_t)KC * mt + 64);                 \
    if (!bpack) return;                                                                                                \
    float *apack = bpack + (size_t)npanels * NR * KC;                                                                  \
    float *cols = apack + (size_t)MC * KC;                                                                             \
    float tile[MR * NV * VW] __attribute__((aligned(64)));                                                             \
    const int kb = j->kend ? j->kbeg : 0, ke = j->kend ? j->kend : j->k;                                               \
    for (int p0 = kb; p0 < ke; p0 += KC) {                                                                             \
      const int kc = ke - p0 < KC ? ke - p0 : KC;                                                                      \
      const int first = p0 == kb, last = p0 + kc >= ke;                                                                \
      /* B already in panel form (one panel, rows of NR floats): read in place, unpacked. */                           \
      const int direct = !j->tb && j->n == NR && j_begin == 0 && j_end == NR;                                          \
      const float *bpanels = direct ? j->b + (size_t)p0 * NR : bpack;                                                  \
      for (int q = 0; q < npanels && !direct; q++) {                                                                   \
        const int j0 = j_begin + q * NR;                                                                               \
        pack_b(j, j0, j_end - j0 < NR ? j_end - j0 : NR, p0, kc, NR, bpack + (size_t)q * NR * kc);                     \
      }                                                                                                                \
      if (mt && TAP_MAJOR(&j->g))                                                                                      \
        im2col_tap_major(j->a, &j->g, p0, kc, i_begin, mt, cols);                                                      \
      else if (mt)                                                                                                     \
        for (int p = 0; p < kc; p++) im2col_taps(j->a, &j->g, p0 + p, i_begin, mt, cols + (size_t)p * mt, 1);          \
      for (int i0 = i_begin; i0 < i_end; i0 += MC) {                                                                   \
        const int mc = i_end - i0 < MC ? i_end - i0 : MC;                                                              \
        const int apanels = (mc + MR - 1) / MR;                                                                        \
        for (int a = 0; a < apanels; a++) {                                                                            \
          const int ia = i0 + a * MR;                                                                                  \
          pack_a(j, ia, i0 + mc - ia < MR ? i0 + mc - ia : MR, p0, kc, MR, apack + (size_t)a * MR * kc,                \
                 cols, mt, i_begin);                                                                                   \
        }                                                                                                              \
        for (int q = 0; q < npanels; q++) {                                                                            \
          const int j0 = j_begin + q * NR;                                                                             \
          const int nr = j_end - j0 < NR ? j_end - j0 : NR;                                                            \
          for (int a = 0; a < apanels; a++) {                                                                          \
            const int ia = i0 + a * MR;                                                                                \
            const int mr = i0 + mc - ia < MR ? i0 + mc - ia : MR;                                                      \
            NAME##_tile(kc, apack + (size_t)a * MR * kc, bpanels + (size_t)q * NR * kc, tile);                         \
            store_tile(j, tile, NR, ia, j0, mr, nr, first, last);                                                      \
          }                                                                                                            \
        }                                                                                                              \
      }                                                                                                                \
    }                                                                                                                  \
  }

#if defined(__x86_64__) || defined(__i386__)
DEFINE_GEMM(avx512, __attribute__((target("avx512f,fma"))), 16, 8, 2)
DEFINE_GEMM(avx512n, __attribute__((target("avx512f,fma"))), 16, 12, 1)
DEFINE_GEMM(avx2, __attribute__((target("avx2,fma"))), 8, 6, 2)
DEFINE_GEMM(avx2n, __attribute__((target("avx2,fma"))), 8, 12, 1)
#endif
DEFINE_GEMM(base, , 4, 6, 2)

typedef void (*run_fn)(const gemm_job *, int, int, int, int, scratch *);
/* A tile: its code, rows and columns. */
typedef struct {
  run_fn run;
  int rows, cols;
} tile_kind;
/*
 * The chosen instruction set's wide tile, and a narrow one (one vector wide) for products with
 * few columns (a convolution's input gradient into 16 channels would waste half a 32-wide tile).
 */
static tile_kind wide = {base_run, 6, 8}, narrow = {base_run, 6, 8};
static const char *variant_name = "portable";

static const tile_kind *tile_for(const gemm_job *j) {
  return j->n <= narrow.cols && narrow.cols < wide.cols ? &narrow : &wide;
}

/* ---- the second thread ---- */

/*
 * One worker thread takes the second part of a large call. Calls are numbered: the caller posts
 * call t (`posted`), the worker claims it (`claimed`: whoever moves it from t-1 to t runs that
 * part) and reports it done (`completed`). The worker spins a little before sleeping on a
 * condition variable, since the next call usually follows within a millisecond; the caller, its
 * own part done, takes the worker's part back when the worker has not claimed it yet (the other
 * core busy), else waits for it, spinning.
 */
typedef void (*part_fn)(const void *ctx, int part, scratch *s);

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  int started;
  atomic_uint posted, claimed, completed;
  part_fn fn;
  const void *ctx;
  scratch s;
} worker_t;

static worker_t worker = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};
static scratch main_scratch;
static int threads = 1;

/*
 * How long the worker polls for the next call before it sleeps. A training step's products come
 * every few hundred microseconds, and waking a sleeping thread can take longer than a call (a
 * virtual machine's scheduler): woken too late, the worker finds its part already taken back, and
 * the step ran on one core. So it stays awake 2 ms past its last call, as OpenMP runtimes do.
 */
#define WORKER_AWAKE_NS 2000000L

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void *worker_main(void *arg) {
  (void)arg;
  unsigned seen = 0;
  for (;;) {
    for (long until = now_ns() + WORKER_AWAKE_NS;
         atomic_load_explicit(&worker.posted, memory_order_acquire) == seen && now_ns() < until;)
      for (int i = 0; i < 64; i++) cpu_relax();
    if (atomic_load_explicit(&worker.posted, memory_order_acquire) == seen) {
      pthread_mutex_lock(&worker.lock);
      while (atomic_load_explicit(&worker.posted, memory_order_acquire) == seen)
        pthread_cond_wait(&worker.wake, &worker.lock);
      pthread_mutex_unlock(&worker.lock);
    }
    seen = atomic_load_explicit(&worker.posted, memory_order_acquire);
    unsigned expected = seen - 1;
    if (atomic_compare_exchange_strong(&worker.claimed, &expected, seen)) {
      worker.fn(worker.ctx, 1, &worker.s);
      atomic_store_explicit(&worker.completed, seen, memory_order_release);
    }
  }
  return NULL;
}

/*
 * Runs fn(ctx, 0) here and fn(ctx, 1) on the worker when there is one (else both here, in turn).
 * The worker's part is taken back and run here when the worker has not claimed it by the time
 * this thread's part is done.
 */
static void run_in_two(part_fn fn, const void *ctx) {
  if (threads < 2) {
    fn(ctx, 0, &main_scratch);
    fn(ctx, 1, &main_scratch);
    return;
  }
  worker.fn = fn;
  worker.ctx = ctx;
  const unsigned ticket = atomic_load_explicit(&worker.posted, memory_order_relaxed) + 1;
  pthread_mutex_lock(&worker.lock);
  atomic_store_explicit(&worker.posted, ticket, memory_order_release);
  pthread_cond_signal(&worker.wake);
  pthread_mutex_unlock(&worker.lock);
  fn(ctx, 0, &main_scratch);
  unsigned expected = ticket - 1;
  if (atomic_compare_exchange_strong(&worker.claimed, &expected, ticket)) {
    fn(ctx, 1, &main_scratch);
    return;
  }
  for (unsigned spins = 0; atomic_load_explicit(&worker.completed, memory_order_acquire) != ticket; spins++) {
    if (spins < 1000000)
      cpu_relax();
    else
      sched_yield();
  }
}

/* A product this large (multiply-adds) is shared by the two threads. */
#define SPLIT_MACS (1 << 19)

/*
 * One product split in two: by rows of C (i1 the first part's end), by columns (j1), or by the
 * summed index (the second part's partial sums into `partial`, added after).
 */
enum { SPLIT_ROWS, SPLIT_COLS, SPLIT_K };
typedef struct {
  const gemm_job *j;
  const tile_kind *t;
  int i1, j1, how;
  gemm_job halves[2];
} gemm_split;

static void gemm_part(const void *ctx, int part, scratch *s) {
  const gemm_split *q = ctx;
  if (q->how == SPLIT_ROWS)
    part ? q->t->run(q->j, q->i1, q->j->m, 0, q->j->n, s) : q->t->run(q->j, 0, q->i1, 0, q->j->n, s);
  else if (q->how == SPLIT_COLS)
    part ? q->t->run(q->j, 0, q->j->m, q->j1, q->j->n, s) : q->t->run(q->j, 0, q->j->m, 0, q->j1, s);
  else
    q->t->run(&q->halves[part], 0, q->j->m, 0, q->j->n, s);
}

static scratch partial_scratch;

static void gemm(const gemm_job *j) {
  const double macs = (double)j->m * j->k * j->n;
  const tile_kind *t = tile_for(j);
  int how = -1;
  if (threads > 1 && macs >= SPLIT_MACS) {
    if (j->m >= 4 * t->rows && j->m >= j->n / 2)
      how = SPLIT_ROWS;
    else if (j->n >= 2 * t->cols)
      how = SPLIT_COLS;
    else if (!j->relu && j->k >= 2 * KC)
      /* Few rows and columns, long k (a first layer's filter gradient: 27 taps x 16, k every pixel). */
      how = SPLIT_K;
    else if (j->m >= 2 * t->rows)
      how = SPLIT_ROWS;
  }
  if (how < 0) {
    t->run(j, 0, j->m, 0, j->n, &main_scratch);
    return;
  }
  gemm_split q = {j, t, ((j->m / 2 + t->rows - 1) / t->rows) * t->rows, ((j->n / 2 + t->cols - 1) / t->cols) * t->cols,
                  how, {*j, *j}};
  float *partial = NULL;
  if (how == SPLIT_K) {
    partial = scratch_get(&partial_scratch, (size_t)j->m * j->n);
    if (!partial) {
      t->run(j, 0, j->m, 0, j->n, &main_scratch);
      return;
    }
    const int k1 = ((j->k / 2 + KC - 1) / KC) * KC;
    q.halves[0].kbeg = 0;
    q.halves[0].kend = k1;
    q.halves[1].kbeg = k1;
    q.halves[1].kend = j->k;
    q.halves[1].c = partial;
    q.halves[1].ldc = j->n;
    q.halves[1].bias = NULL;
  }
  run_in_two(gemm_part, &q);
  if (partial)
    for (int i = 0; i < j->m; i++) {
      float *row = j->c + (size_t)i * j->ldc;
      const float *add = partial + (size_t)i * j->n;
      for (int c = 0; c < j->n; c++) row[c] += add[c];
    }
}

/*
 * A convolution's input gradient: dx = col2im(dy . filter^T). By images, half on each thread,
 * a few images at a time so that their columns (pixels x taps) stay in the cache between the
 * product that writes them and the scatter that adds them into dx. (Read as a convolution of dy
 * instead, every packed value of dy would serve only c multiply-adds: slower for few channels.)
 */
typedef struct {
  const float *dy, *w;
  float *dx;
  window g;
  int co, n1;
} input_grad;

static scratch columns_scratch[2];

static void input_grad_part(const void *ctx, int part, scratch *s) {
  const input_grad *q = ctx;
  const window *g = &q->g;
  const int b_begin = part ? q->n1 : 0, b_end = part ? g->n : q->n1;
  const int taps = g->fh * g->fw * g->c, pixels = g->oh * g->ow;
  const size_t image = (size_t)g->h * g->w * g->c;
  int chunk = (int)((128 * 1024) / ((size_t)pixels * taps));
  if (chunk < 1) chunk = 1;
  float *cols = scratch_get(&columns_scratch[part], (size_t)chunk * pixels * taps);
  if (!cols) return;
  for (int b = b_begin; b < b_end; b += chunk) {
    const int nb = b_end - b < chunk ? b_end - b : chunk;
    const gemm_job j = {.a = q->dy + (size_t)b * pixels * q->co,
                        .b = q->w,
                        .c = cols,
                        .m = nb * pixels,
                        .k = q->co,
                        .n = taps,
                        .tb = 1,
                        .ldc = taps};
    tile_for(&j)->run(&j, 0, j.m, 0, j.n, s);
    float *dx = q->dx + (size_t)b * image;
    memset(dx, 0, (size_t)nb * image * sizeof(float));
    for (int r = 0; r < nb * pixels; r++) {
      const int ox = r % g->ow, oy = (r / g->ow) % g->oh, bb = r / pixels;
      const float *row = cols + (size_t)r * taps;
      for (int ky = 0; ky < g->fh; ky++) {
        const int iy = oy * g->sh + ky - g->top;
        if (iy < 0 || iy >= g->h) continue;
        for (int kx = 0; kx < g->fw; kx++) {
          const int ix = ox * g->sw + kx - g->left;
          if (ix < 0 || ix >= g->w) continue;
          float *to = dx + (size_t)bb * image + ((size_t)iy * g->w + ix) * g->c;
          const float *from = row + (ky * g->fw + kx) * g->c;
          for (int ci = 0; ci < g->c; ci++) to[ci] += from[ci];
        }
      }
    }
  }
}

static void conv_input_grad(const float *dy, const float *w, float *dx, const window *g, int co) {
  const double macs = (double)g->n * g->oh * g->ow * co * g->fh * g->fw * g->c;
  const input_grad q = {dy, w, dx, *g, co, threads > 1 && g->n > 1 && macs >= SPLIT_MACS ? (g->n + 1) / 2 : g->n};
  if (q.n1 == g->n)
    input_grad_part(&q, 0, &main_scratch);
  else
    run_in_two(input_grad_part, &q);
}

/* ---- memory-bound kernels beside the products: pooling, relu's gradient, column sums ---- */

/* Four floats, unaligned, and a per-lane choice by a comparison's mask (pooling's gradient). */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));
typedef float v4f_u __attribute__((vector_size(16), aligned(4)));
static inline v4f load4(const float *p) { return *(const v4f_u *)p; }
static inline void store4(float *p, v4f v) { *(v4f_u *)p = v; }
static inline v4f pick(v4i mask, v4f a, v4f b) { return (v4f)((mask & (v4i)a) | (~mask & (v4i)b)); }

/* Max pooling (NHWC) of images [b0, b1): each window's largest value among those inside the image. */
static void max_pool_images(const float *x, float *y, const window *g, int b0, int b1) {
  const int c = g->c;
  for (int b = b0; b < b1; b++) {
    const float *image = x + (size_t)b * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        float *out = y + (((size_t)b * g->oh + oy) * g->ow + ox) * c;
        for (int ci = 0; ci < c; ci++) out[ci] = -INFINITY;
        for (int ky = 0; ky < g->fh; ky++) {
          const int iy = oy * g->sh + ky - g->top;
          if (iy < 0 || iy >= g->h) continue;
          for (int kx = 0; kx < g->fw; kx++) {
            const int ix = ox * g->sw + kx - g->left;
            if (ix < 0 || ix >= g->w) continue;
            const float *in = image + ((size_t)iy * g->w + ix) * c;
            for (int ci = 0; ci < c; ci++) out[ci] = in[ci] > out[ci] ? in[ci] : out[ci];
          }
        }
      }
  }
}

/*
 * MaxPoolGrad of images [b0, b1) into dx (zeroed first): each window's dy goes to its first
 * maximum in x (scan order), as the cpu backend and the wasm kernel do; a window with no value
 * above -inf sends nothing. Channels in blocks of 64, each tracking its best value and tap.
 */
static void max_pool_grad_images(const float *x, const float *dy, float *dx, const window *g, int b0, int b1) {
  const int c = g->c;
  const size_t image = (size_t)g->h * g->w * c;
  if (g->fh == 2 && g->fw == 2 && g->sh == 2 && g->sw == 2 && g->top == 0 && g->left == 0 && 2 * g->oh <= g->h &&
      2 * g->ow <= g->w) {
    /*
     * The usual 2x2 windows at stride 2 without padding tile the input: each tap's dx is written
     * once (dy where it won, else 0), branch-free; rows and columns past the last window are zeroed.
     */
    for (int b = b0; b < b1; b++) {
      const float *xi = x + (size_t)b * image;
      float *dxi = dx + (size_t)b * image;
      if (2 * g->oh < g->h) memset(dxi + (size_t)2 * g->oh * g->w * c, 0, (size_t)(g->h - 2 * g->oh) * g->w * c * 4);
      for (int oy = 0; oy < g->oh; oy++) {
        if (2 * g->ow < g->w)
          for (int r = 0; r < 2; r++)
            memset(dxi + ((size_t)(2 * oy + r) * g->w + 2 * g->ow) * c, 0, (size_t)(g->w - 2 * g->ow) * c * 4);
        for (int ox = 0; ox < g->ow; ox++) {
          const size_t p0 = ((size_t)(2 * oy) * g->w + 2 * ox) * c, p1 = p0 + c, p2 = p0 + (size_t)g->w * c,
                       p3 = p2 + c;
          const float *d = dy + (((size_t)b * g->oh + oy) * g->ow + ox) * c;
          int ci = 0;
          /* Four channels at a time, by masks (the first maximum wins: a later tap only when greater). */
          for (; ci + 4 <= c; ci += 4) {
            const v4f v0 = load4(xi + p0 + ci), v1 = load4(xi + p1 + ci), v2 = load4(xi + p2 + ci),
                      v3 = load4(xi + p3 + ci), gv = load4(d + ci);
            v4f best = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
            v4i at = {-1, -1, -1, -1}, won;
            won = v0 > best;
            best = pick(won, v0, best);
            at = (won & 0) | (~won & at);
            won = v1 > best;
            best = pick(won, v1, best);
            at = (won & 1) | (~won & at);
            won = v2 > best;
            best = pick(won, v2, best);
            at = (won & 2) | (~won & at);
            won = v3 > best;
            at = (won & 3) | (~won & at);
            const v4f zero = {0, 0, 0, 0};
            store4(dxi + p0 + ci, pick(at == 0, gv, zero));
            store4(dxi + p1 + ci, pick(at == 1, gv, zero));
            store4(dxi + p2 + ci, pick(at == 2, gv, zero));
            store4(dxi + p3 + ci, pick(at == 3, gv, zero));
          }
          for (; ci < c; ci++) {
            const float v0 = xi[p0 + ci], v1 = xi[p1 + ci], v2 = xi[p2 + ci], v3 = xi[p3 + ci];
            float best = -INFINITY;
            int at = -1;
            if (v0 > best) best = v0, at = 0;
            if (v1 > best) best = v1, at = 1;
            if (v2 > best) best = v2, at = 2;
            if (v3 > best) at = 3;
            const float gv = d[ci];
            dxi[p0 + ci] = at == 0 ? gv : 0.f;
            dxi[p1 + ci] = at == 1 ? gv : 0.f;
            dxi[p2 + ci] = at == 2 ? gv : 0.f;
            dxi[p3 + ci] = at == 3 ? gv : 0.f;
          }
        }
      }
    }
    return;
  }
  memset(dx + (size_t)b0 * image, 0, (size_t)(b1 - b0) * image * sizeof(float));
  float best[64];
  int at[64];
  for (int b = b0; b < b1; b++) {
    const float *xi = x + (size_t)b * image;
    float *dxi = dx + (size_t)b * image;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const float *d = dy + (((size_t)b * g->oh + oy) * g->ow + ox) * c;
        for (int c0 = 0; c0 < c; c0 += 64) {
          const int cn = c - c0 < 64 ? c - c0 : 64;
          for (int q = 0; q < cn; q++) {
            best[q] = -INFINITY;
            at[q] = -1;
          }
          for (int ky = 0; ky < g->fh; ky++) {
            const int iy = oy * g->sh + ky - g->top;
            if (iy < 0 || iy >= g->h) continue;
            for (int kx = 0; kx < g->fw; kx++) {
              const int ix = ox * g->sw + kx - g->left;
              if (ix < 0 || ix >= g->w) continue;
              const int pos = (iy * g->w + ix) * c + c0;
              const float *in = xi + pos;
              for (int q = 0; q < cn; q++) {
                const int wins = in[q] > best[q];
                best[q] = wins ? in[q] : best[q];
                at[q] = wins ? pos + q : at[q];
              }
            }
          }
          for (int q = 0; q < cn; q++)
            if (at[q] >= 0) dxi[at[q]] += d[c0 + q];
        }
      }
  }
}

typedef struct {
  int mode; /* 0 MaxPool, 1 MaxPoolGrad */
  const float *x, *dy;
  float *out;
  window g;
  int n1;
} pool_job;

static void pool_part(const void *ctx, int part, scratch *s) {
  (void)s;
  const pool_job *q = ctx;
  const int b0 = part ? q->n1 : 0, b1 = part ? q->g.n : q->n1;
  if (b0 >= b1) return;
  if (q->mode == 0)
    max_pool_images(q->x, q->out, &q->g, b0, b1);
  else
    max_pool_grad_images(q->x, q->dy, q->out, &q->g, b0, b1);
}

/* Floats touched past which a memory-bound call is shared by the two threads. */
#define SPLIT_FLOATS (1 << 16)

static void pool(pool_job *q) {
  const double floats = (double)q->g.n * q->g.h * q->g.w * q->g.c;
  q->n1 = threads > 1 && q->g.n > 1 && floats >= SPLIT_FLOATS ? (q->g.n + 1) / 2 : q->g.n;
  if (q->n1 == q->g.n)
    pool_part(q, 0, &main_scratch);
  else
    run_in_two(pool_part, q);
}

typedef struct {
  const float *dy, *y;
  float *out;
  size_t n, n1;
} relu_grad_job;

static void relu_grad_part(const void *ctx, int part, scratch *s) {
  (void)s;
  const relu_grad_job *q = ctx;
  const size_t i0 = part ? q->n1 : 0, i1 = part ? q->n : q->n1;
  /*
   * Exactly dy * step(y), as tfjs composes it (0 * inf is NaN, 0 * a negative dy is -0, a NaN y
   * gives NaN), without a branch: step(y) assembled from the bits of 1.0 and of y by masks.
   */
  const uint32_t *y = (const uint32_t *)q->y;
  for (size_t i = i0; i < i1; i++) {
    const float yf = q->y[i];
    const uint32_t positive = -(uint32_t)(yf > 0.f), nan = -(uint32_t)(yf != yf);
    const uint32_t step_bits = (positive & 0x3f800000u) | (nan & y[i]);
    float step;
    memcpy(&step, &step_bits, sizeof step);
    q->out[i] = q->dy[i] * step;
  }
}

typedef struct {
  const float *x;
  float *out, *partial;
  int rows, cols, r1;
} sum_rows_job;

static scratch sum_scratch;

static void sum_rows_part(const void *ctx, int part, scratch *s) {
  (void)s;
  const sum_rows_job *q = ctx;
  float *out = part ? q->partial : q->out;
  const int r0 = part ? q->r1 : 0, r1 = part ? q->rows : q->r1;
  for (int c = 0; c < q->cols; c++) out[c] = 0.f;
  for (int r = r0; r < r1; r++) {
    const float *row = q->x + (size_t)r * q->cols;
    for (int c = 0; c < q->cols; c++) out[c] += row[c];
  }
}

/* ---- Node-API ---- */

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "layerlab cpu gemm: bad arguments");      \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

/*
 * A call's arguments: the heap (a Uint8Array: its bytes, and its length into *length), then
 * `count` integers into v. NULL after throwing a TypeError naming the call.
 */
static uint8_t *call_args(napi_env env, napi_callback_info info, size_t count, int64_t *v, const char *what,
                          int64_t *length) {
  napi_value argv[24];
  size_t argc = 24;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count + 1) {
    char message[96];
    snprintf(message, sizeof message, "layerlab cpu %s: %zu arguments expected", what, count + 1);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  for (size_t i = 0; i < count; i++)
    if (napi_get_value_int64(env, argv[i + 1], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "layerlab cpu: arguments after the heap must be numbers");
      return NULL;
    }
  napi_typedarray_type type;
  size_t len, byte_offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[0], &type, &len, &data, &ab, &byte_offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "layerlab cpu: the heap must be a Uint8Array");
    return NULL;
  }
  *length = (int64_t)len;
  return (uint8_t *)data;
}

/* Whether `floats` floats at byte offset `at` lie inside a heap of `length` bytes, 4-aligned. */
static int inside(int64_t at, int64_t floats, int64_t length) {
  return at >= 0 && !(at & 3) && floats >= 0 && floats < INT32_MAX && at + 4 * floats <= length;
}

/*
 * gemm(heap: Uint8Array, m, k, n, a, ta, b, tb, c, bias, relu, ldc): a, b, c, bias are byte
 * offsets into the heap (bias 0: none). Bounds are checked against the heap's length.
 */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  int64_t v[11], len;
  uint8_t *heap = call_args(env, info, 11, v, "gemm", &len);
  if (!heap) return NULL;
  const int64_t m = v[0], k = v[1], n = v[2], a = v[3], ta = v[4], b = v[5], tb = v[6], c = v[7], bias = v[8],
                relu = v[9], ldc = v[10];
  if (m < 1 || k < 1 || n < 1 || ldc < n || m > INT32_MAX || k > INT32_MAX || n > INT32_MAX ||
      !inside(a, m * k, len) || !inside(b, k * n, len) || !inside(c, (m - 1) * ldc + n, len) ||
      (bias && !inside(bias, n, len))) {
    napi_throw_range_error(env, NULL, "layerlab cpu gemm: an operand lies outside the heap");
    return NULL;
  }
  gemm_job j = {.a = (const float *)(heap + a),
                .b = (const float *)(heap + b),
                .c = (float *)(heap + c),
                .bias = bias ? (const float *)(heap + bias) : NULL,
                .m = (int)m,
                .k = (int)k,
                .n = (int)n,
                .ta = ta != 0,
                .tb = tb != 0,
                .relu = relu != 0,
                .ldc = (int)ldc};
  gemm(&j);
  return NULL;
}

/*
 * conv(heap, mode, x, w, bias, y, relu, n, h, w, c, oh, ow, fh, fw, sh, sw, top, left, co): a
 * convolution as one GEMM whose im2col operand is read from the image while packing (no
 * im2col buffer). Offsets are bytes into the heap (bias 0: none).
 *   mode 0, forward:         y (n*oh*ow x co) = im2col(x) . filter w (+ bias) (relu)
 *   mode 1, filter gradient: y (fh*fw*c x co) = im2col(x)^T . dy (w holds dy, n*oh*ow x co)
 *   mode 2, input gradient:  y (n*h*w x c) = col2im(dy . w^T), x holding dy (n*oh*ow x co)
 */
static napi_value js_conv(napi_env env, napi_callback_info info) {
  int64_t v[19], len;
  uint8_t *heap = call_args(env, info, 19, v, "conv", &len);
  if (!heap) return NULL;
  const int64_t mode = v[0], x = v[1], w = v[2], bias = v[3], y = v[4], relu = v[5];
  const int64_t n = v[6], h = v[7], wd = v[8], c = v[9], oh = v[10], ow = v[11], fh = v[12], fw = v[13],
                sh = v[14], sw = v[15], top = v[16], left = v[17], co = v[18];
  const int64_t in_floats = n * h * wd * c, out_floats = n * oh * ow * co, filter_floats = fh * fw * c * co;
  const int ok = mode >= 0 && mode <= 2 && n >= 1 && h >= 1 && wd >= 1 && c >= 1 && oh >= 1 && ow >= 1 &&
                 fh >= 1 && fw >= 1 && sh >= 1 && sw >= 1 && co >= 1 && top >= 0 && left >= 0 && top < fh &&
                 left < fw && inside(x, mode == 2 ? out_floats : in_floats, len) &&
                 inside(w, mode == 1 ? out_floats : filter_floats, len) &&
                 inside(y, mode == 0 ? out_floats : mode == 1 ? filter_floats : in_floats, len) &&
                 (!bias || (mode == 0 && inside(bias, co, len)));
  if (!ok) {
    napi_throw_range_error(env, NULL, "layerlab cpu conv: a bad geometry, or an operand outside the heap");
    return NULL;
  }
  const window g = {(int)n, (int)h, (int)wd, (int)c, (int)oh, (int)ow, (int)fh, (int)fw, (int)sh, (int)sw, (int)top,
                    (int)left};
  gemm_job j = {.a = (const float *)(heap + x), .b = (const float *)(heap + w), .c = (float *)(heap + y), .g = g};
  if (mode == 0) {
    j.amode = A_IM2COL;
    j.m = (int)(n * oh * ow);
    j.k = (int)(fh * fw * c);
    j.n = (int)co;
    j.bias = bias ? (const float *)(heap + bias) : NULL;
    j.relu = relu != 0;
  } else if (mode == 1) {
    j.amode = A_IM2COL_T;
    j.m = (int)(fh * fw * c);
    j.k = (int)(n * oh * ow);
    j.n = (int)co;
  } else {
    conv_input_grad((const float *)(heap + x), (const float *)(heap + w), (float *)(heap + y), &g, (int)co);
    return NULL;
  }
  j.ldc = j.n;
  gemm(&j);
  return NULL;
}

/*
 * pool(heap, mode, x, dy, out, n, h, w, c, oh, ow, fh, fw, sh, sw, top, left): mode 0 max
 * pooling x into out (dy unused), mode 1 its gradient: dy routed into out (dx) by x's maxima.
 */
static napi_value js_pool(napi_env env, napi_callback_info info) {
  int64_t v[16], len;
  uint8_t *heap = call_args(env, info, 16, v, "pool", &len);
  if (!heap) return NULL;
  const int64_t mode = v[0], n = v[4], h = v[5], w = v[6], c = v[7], oh = v[8], ow = v[9];
  int ok = (mode == 0 || mode == 1) && n >= 1 && h >= 1 && w >= 1 && c >= 1 && oh >= 1 && ow >= 1 && v[10] >= 1 &&
           v[11] >= 1 && v[12] >= 1 && v[13] >= 1 && v[14] >= 0 && v[15] >= 0;
  ok = ok && inside(v[1], n * h * w * c, len) && (mode == 0 || inside(v[2], n * oh * ow * c, len)) &&
       inside(v[3], mode == 0 ? n * oh * ow * c : n * h * w * c, len);
  if (!ok) {
    napi_throw_range_error(env, NULL, "layerlab cpu pool: a bad geometry, or an operand outside the heap");
    return NULL;
  }
  pool_job q = {(int)mode, (const float *)(heap + v[1]), mode ? (const float *)(heap + v[2]) : NULL,
                (float *)(heap + v[3]),
                {(int)n, (int)h, (int)w, (int)c, (int)oh, (int)ow, (int)v[10], (int)v[11], (int)v[12], (int)v[13],
                 (int)v[14], (int)v[15]},
                0};
  pool(&q);
  return NULL;
}

/* relu_grad(heap, dy, y, out, count): out = dy * step(y). */
static napi_value js_relu_grad(napi_env env, napi_callback_info info) {
  int64_t v[4], len;
  uint8_t *heap = call_args(env, info, 4, v, "relu_grad", &len);
  if (!heap) return NULL;
  if (!(inside(v[0], v[3], len) && inside(v[1], v[3], len) && inside(v[2], v[3], len))) {
    napi_throw_range_error(env, NULL, "layerlab cpu relu_grad: an operand outside the heap");
    return NULL;
  }
  relu_grad_job q = {(const float *)(heap + v[0]), (const float *)(heap + v[1]), (float *)(heap + v[2]),
                     (size_t)v[3], (size_t)v[3]};
  if (threads > 1 && v[3] >= SPLIT_FLOATS) {
    q.n1 = ((size_t)v[3] / 2 + 15) & ~(size_t)15;
    run_in_two(relu_grad_part, &q);
  } else {
    relu_grad_part(&q, 0, &main_scratch);
  }
  return NULL;
}

/* sum_rows(heap, x, out, rows, cols): out[c] = the sum of column c of x (rows x cols). */
static napi_value js_sum_rows(napi_env env, napi_callback_info info) {
  int64_t v[4], len;
  uint8_t *heap = call_args(env, info, 4, v, "sum_rows", &len);
  if (!heap) return NULL;
  if (!(v[2] >= 1 && v[3] >= 1 && inside(v[0], v[2] * v[3], len) && inside(v[1], v[3], len))) {
    napi_throw_range_error(env, NULL, "layerlab cpu sum_rows: an operand outside the heap");
    return NULL;
  }
  sum_rows_job q = {(const float *)(heap + v[0]), (float *)(heap + v[1]), NULL, (int)v[2], (int)v[3], (int)v[2]};
  if (threads > 1 && v[2] >= 2 && v[2] * v[3] >= SPLIT_FLOATS) {
    q.partial = scratch_get(&sum_scratch, (size_t)v[3]);
    if (q.partial) q.r1 = (int)(v[2] / 2);
  }
  if (q.r1 == q.rows) {
    sum_rows_part(&q, 0, &main_scratch);
  } else {
    run_in_two(sum_rows_part, &q);
    for (int c = 0; c < q.cols; c++) q.out[c] += q.partial[c];
  }
  return NULL;
}

/* configure(threads): how many threads share a call (1 or 2); returns the variant's name. */
static napi_value js_configure(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t want = 1;
  if (argc >= 1) CHECK(napi_get_value_int32(env, argv[0], &want));
  if (want < 1) want = 1;
  if (want > MAX_THREADS) want = MAX_THREADS;
  if (want > 1 && !worker.started) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    if (pthread_create(&worker.thread, &attr, worker_main, NULL) == 0) {
      pthread_detach(worker.thread);
      worker.started = 1;
    }
    pthread_attr_destroy(&attr);
  }
  threads = worker.started ? want : 1;
  napi_value out;
  CHECK(napi_create_string_utf8(env, variant_name, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const char *force = getenv("LAYERLAB_CPU_ISA");
  int allow512 = !force || strcmp(force, "avx512") == 0;
  int allow256 = !force || strcmp(force, "avx512") == 0 || strcmp(force, "avx2") == 0;
  if (allow512 && __builtin_cpu_supports("avx512f")) {
    wide = (tile_kind){avx512_run, 8, 32};
    narrow = (tile_kind){avx512n_run, 12, 16};
    variant_name = "avx512";
  } else if (allow256 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    wide = (tile_kind){avx2_run, 6, 16};
    narrow = (tile_kind){avx2n_run, 12, 8};
    variant_name = "avx2";
  }
#endif
  static const struct {
    const char *name;
    napi_callback fn;
  } calls[] = {{"gemm", js_gemm},         {"conv", js_conv},         {"pool", js_pool},
               {"relu_grad", js_relu_grad}, {"sum_rows", js_sum_rows}, {"configure", js_configure}};
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, calls[i].name, NAPI_AUTO_LENGTH, calls[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, calls[i].name, fn) != napi_ok)
      return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
