// Streaming-read memory bandwidth: sum of a 1 GiB array of doubles, best of several passes, with 1 thread and
// with every thread OpenMP offers (each sums its own contiguous slice). Prints one JSON object, GB = 1e9 bytes.
//   gcc -O3 -march=native -fopenmp bandwidth.c -o bandwidth && ./bandwidth [passes]
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double sum(const double *a, size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  for (size_t i = 0; i < n; i += 8) {
    s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3];
    s4 += a[i + 4]; s5 += a[i + 5]; s6 += a[i + 6]; s7 += a[i + 7];
  }
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

static double best_gbs(const double *a, size_t n, int threads, int passes, double *checksum) {
  double best = 0;
  for (int p = 0; p < passes; p++) {
    double total = 0, t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      size_t per = n / omp_get_num_threads() / 8 * 8, from = per * omp_get_thread_num();
      total += sum(a + from, per);
    }
    double gbs = n * sizeof(double) / (now() - t0) / 1e9;
    if (gbs > best) best = gbs;
    *checksum += total;
  }
  return best;
}

int main(int argc, char **argv) {
  int passes = argc > 1 ? atoi(argv[1]) : 8;
  size_t n = (1UL << 30) / sizeof(double);
  double *a = aligned_alloc(64, n * sizeof(double));
  if (!a) return 1;
#pragma omp parallel for
  for (size_t i = 0; i < n; i++) a[i] = (double)(i & 1023);  // touch every page first
  double checksum = 0;
  int all = omp_get_max_threads();
  double one = best_gbs(a, n, 1, passes, &checksum);
  double many = best_gbs(a, n, all, passes, &checksum);
  printf("{\"bytes\": %zu, \"passes\": %d, \"gbs_1_thread\": %.2f, \"threads\": %d, \"gbs_all_threads\": %.2f, "
         "\"checksum\": %.0f}\n", n * sizeof(double), passes, one, all, many, checksum);
  free(a);
  return 0;
}
