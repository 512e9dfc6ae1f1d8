/* mutex contention: 4 pthreads each increment a mutex-guarded counter 1,000,000 times
 * (peer of mutex.weft). */
#include <pthread.h>
#include <stdio.h>

enum { WORKERS = 4, PER = 1000000 };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *work(void *arg) {
    (void)arg;
    for (int i = 0; i < PER; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(void) {
    pthread_t t[WORKERS];
    for (int w = 0; w < WORKERS; w++)
        pthread_create(&t[w], NULL, work, NULL);
    for (int w = 0; w < WORKERS; w++)
        pthread_join(t[w], NULL);
    printf("%ld\n", counter);
    return 0;
}
