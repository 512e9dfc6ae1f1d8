// par-mandel peer: C with OpenMP (gcc -O2 -fopenmp), rows scheduled dynamically and the
// counts reduced. Prints 1588053.
#include <stdio.h>

static long row_count(int y, int n) {
    double ci = -1.0 + 2.0 * y / n;
    long count = 0;
    for (int x = 0; x < n; x++) {
        double cr = -1.5 + 2.0 * x / n;
        double zr = 0.0, zi = 0.0;
        int inside = 1;
        for (int i = 0; i < 50; i++) {
            double next = zr * zr - zi * zi + cr;
            zi = 2.0 * zr * zi + ci;
            zr = next;
            if (zr * zr + zi * zi > 4.0) {
                inside = 0;
                break;
            }
        }
        count += inside;
    }
    return count;
}

int main(void) {
    int n = 2000;
    long total = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : total)
    for (int y = 0; y < n; y++) {
        total += row_count(y, n);
    }
    printf("%ld\n", total);
    return 0;
}
