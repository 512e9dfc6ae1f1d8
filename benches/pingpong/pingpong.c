/* ping-pong: two pthreads pass a counter through a one-slot rendezvous (mutex and
 * condition variables), 1,000,000 round trips (peer of pingpong.weft). */
#include <pthread.h>
#include <stdio.h>

enum { N = 1000000 };

struct slot {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int full;
    long value;
};

static struct slot ping = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
static struct slot pong = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void put(struct slot *s, long v) {
    pthread_mutex_lock(&s->mu);
    while (s->full)
        pthread_cond_wait(&s->cv, &s->mu);
    s->value = v;
    s->full = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static long take(struct slot *s) {
    pthread_mutex_lock(&s->mu);
    while (!s->full)
        pthread_cond_wait(&s->cv, &s->mu);
    long v = s->value;
    s->full = 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return v;
}

static void *echo(void *arg) {
    (void)arg;
    for (int i = 0; i < N; i++)
        put(&pong, take(&ping) + 1);
    return NULL;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    long v = 0;
    for (int i = 0; i < N; i++) {
        put(&ping, v);
        v = take(&pong);
    }
    pthread_join(t, NULL);
    printf("%ld\n", v);
    return 0;
}
