/* mpmc: 4 producer and 4 consumer pthreads share a bounded ring of capacity 128 guarded
 * by a mutex and two condition variables; 10,000,000 messages (peer of mpmc.weft). */
#include <pthread.h>
#include <stdio.h>

enum { PRODUCERS = 4, CONSUMERS = 4, TOTAL = 10000000, PER = TOTAL / PRODUCERS, CAP = 128 };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long buf[CAP];
static int head, len, closed;

static void *produce(void *arg) {
    long p = (long)arg;
    for (long i = 0; i < PER; i++) {
        pthread_mutex_lock(&mu);
        while (len == CAP)
            pthread_cond_wait(&not_full, &mu);
        buf[(head + len) % CAP] = p * PER + i;
        len++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static void *consume(void *arg) {
    long *sum = arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (len == 0 && !closed)
            pthread_cond_wait(&not_empty, &mu);
        if (len == 0) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        *sum += buf[head];
        head = (head + 1) % CAP;
        len--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mu);
    }
}

int main(void) {
    pthread_t prod[PRODUCERS], cons[CONSUMERS];
    long sums[CONSUMERS] = {0};
    for (long p = 0; p < PRODUCERS; p++)
        pthread_create(&prod[p], NULL, produce, (void *)p);
    for (int c = 0; c < CONSUMERS; c++)
        pthread_create(&cons[c], NULL, consume, &sums[c]);
    for (int p = 0; p < PRODUCERS; p++)
        pthread_join(prod[p], NULL);
    pthread_mutex_lock(&mu);
    closed = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&mu);
    long sum = 0;
    for (int c = 0; c < CONSUMERS; c++) {
        pthread_join(cons[c], NULL);
        sum += sums[c];
    }
    printf("%ld\n", sum);
    return 0;
}
