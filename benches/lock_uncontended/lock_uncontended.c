/* uncontended lock: one thread locks and unlocks a pthread mutex 10,000,000 times
 * (peer of lock_uncontended.weft). */
#include <pthread.h>
#include <stdio.h>

int main(void) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    volatile long count = 0;
    for (long i = 0; i < 10000000; i++) {
        pthread_mutex_lock(&mu);
        count++;
        pthread_mutex_unlock(&mu);
    }
    printf("%ld\n", count);
    return 0;
}
