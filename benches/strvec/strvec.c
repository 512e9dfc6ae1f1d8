/* Peer of strvec.weft: the same string and vector work with malloc'd strings. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    long n = 300000;
    char **words = malloc(n * sizeof(char *));
    size_t line_len = 0;
    for (long i = 0; i < n; i++) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "w%ld", (i * 7919) % 50000);
        words[i] = malloc(len + 1);
        memcpy(words[i], buf, len + 1);
        line_len += len + 1;
    }
    char *line = malloc(line_len);
    size_t at = 0;
    for (long i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        memcpy(line + at, words[i], len);
        at += len;
        line[at++] = i + 1 < n ? ',' : '\0';
    }
    char **parts = malloc(n * sizeof(char *));
    long count = 0;
    char *start = line;
    for (char *p = line;; p++) {
        if (*p == ',' || *p == '\0') {
            size_t len = p - start;
            parts[count] = malloc(len + 1);
            memcpy(parts[count], start, len);
            parts[count][len] = '\0';
            count++;
            if (*p == '\0') break;
            start = p + 1;
        }
    }
    long total = 0;
    for (long i = 0; i < count; i++) total += strlen(parts[i]);
    qsort(parts, count, sizeof(char *), cmp);
    long distinct = 1;
    for (long i = 1; i < count; i++) if (strcmp(parts[i], parts[i - 1]) != 0) distinct++;
    long upper = 0;
    for (long i = 0; i < 50000; i++) {
        size_t len = strlen(parts[i]);
        char *u = malloc(len + 1);
        for (size_t k = 0; k <= len; k++) u[k] = toupper((unsigned char)parts[i][k]);
        if (strncmp(u, "W1", 2) == 0) upper++;
        free(u);
    }
    printf("%ld %ld %ld\n", total, distinct, upper);
    for (long i = 0; i < n; i++) free(words[i]);
    for (long i = 0; i < count; i++) free(parts[i]);
    free(words); free(parts); free(line);
    return 0;
}
