/* gpcc: the libgpc command line. See README.md. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gpc.h"

#define MAX_READ 1048577u /* LIM-1: never read more than this */

static void usage(void)
{
    fprintf(stderr,
            "usage: gpcc validate [--json] [-q] [-j THREADS] PATH...\n"
            "       gpcc info [--json] FILE\n"
            "       gpcc decode FILE (--request-only | --lowres-only) -o OUT\n"
            "       gpcc --version\n");
}

/* Reads at most MAX_READ bytes. Returns 0 ok, -1 with errno. */
static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY);
    uint8_t *b;
    size_t n = 0;
    if (fd < 0) return -1;
    b = malloc(MAX_READ);
    if (!b) { close(fd); errno = ENOMEM; return -1; }
    while (n < MAX_READ) {
        ssize_t r = read(fd, b + n, MAX_READ - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            free(b); close(fd); return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = n;
    return 0;
}

/* JSON string (UTF-8 kept as is, as Python's ensure_ascii=False) */
static void json_str(FILE *f, const char *s, size_t n)
{
    size_t i;
    fputc('"', f);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

/* ---- validate ----------------------------------------------------------
 * Paths are collected in order (folders walked recursively, names sorted),
 * checked in batches by worker threads, and printed in order. */
typedef struct { int json, quiet, n_invalid, n_undecided, n_valid; } vstate;

typedef struct {
    char *path;
    int res;          /* gpc_result, or -100: cannot read (message set) */
    char clause[16];
    char message[512];
} vitem;

#define BATCH 4096

typedef struct {
    vitem *items;
    size_t n;
    size_t next;      /* next index to take */
    pthread_mutex_t mu;
} vbatch;

static void report(vstate *st, const vitem *it)
{
    const char *path = it->path;
    int res = it->res == -100 ? GPC_INVALID : it->res;
    const char *clause = it->clause, *msg = it->message;
    if (res == GPC_VALID) {
        st->n_valid++;
        if (st->quiet) return;
        if (st->json) {
            fputs("{\"path\": ", stdout);
            json_str(stdout, path, strlen(path));
            fputs(", \"valid\": true}\n", stdout);
        } else printf("%s: ok\n", path);
        return;
    }
    if (res == GPC_UNDECIDED) st->n_undecided++;
    else st->n_invalid++;
    if (st->json) {
        fputs("{\"path\": ", stdout);
        json_str(stdout, path, strlen(path));
        fputs(res == GPC_UNDECIDED ? ", \"valid\": null, \"clause\": " : ", \"valid\": false, \"clause\": ", stdout);
        if (clause[0]) json_str(stdout, clause, strlen(clause));
        else fputs("null", stdout);
        fputs(", \"message\": ", stdout);
        json_str(stdout, msg, strlen(msg));
        fputs("}\n", stdout);
    } else if (res == GPC_UNDECIDED) {
        printf("%s: UNCHECKED %s\n", path, msg);
    } else if (clause[0]) {
        printf("%s: INVALID [%s] %s\n", path, clause, msg);
    } else {
        printf("%s: INVALID %s\n", path, msg);
    }
}

static void check_item(vitem *it, uint8_t *buf)
{
    int fd;
    size_t n = 0;
    gpc_info info;
    int res;
    if (it->res == -100) return; /* already failed (folder not readable) */
    fd = open(it->path, O_RDONLY);
    it->clause[0] = 0;
    if (fd < 0) {
        snprintf(it->message, sizeof it->message, "cannot read %s: %s", it->path, strerror(errno));
        it->res = -100;
        return;
    }
    while (n < MAX_READ) {
        ssize_t r = read(fd, buf + n, MAX_READ - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            snprintf(it->message, sizeof it->message, "cannot read %s: %s", it->path, strerror(errno));
            close(fd);
            it->res = -100;
            return;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    res = gpc_validate(buf, n, &info);
    if (res < 0) {
        snprintf(it->message, sizeof it->message, "cannot check: %s", info.message);
        it->res = -100;
        return;
    }
    it->res = res;
    memcpy(it->clause, info.clause, sizeof it->clause);
    snprintf(it->message, sizeof it->message, "%s", res == GPC_VALID ? "" : info.message);
}

static void *worker(void *arg)
{
    vbatch *b = arg;
    uint8_t *buf = malloc(MAX_READ);
    for (;;) {
        size_t i;
        pthread_mutex_lock(&b->mu);
        i = b->next;
        if (i < b->n) b->next = i + 16 < b->n ? i + 16 : b->n;
        pthread_mutex_unlock(&b->mu);
        if (i >= b->n) break;
        {
            size_t e = i + 16 < b->n ? i + 16 : b->n;
            for (; i < e; i++) {
                if (!buf) {
                    b->items[i].res = -100;
                    snprintf(b->items[i].message, sizeof b->items[i].message, "out of memory");
                } else check_item(&b->items[i], buf);
            }
        }
    }
    free(buf);
    return NULL;
}

typedef struct {
    vstate *st;
    vitem *items;
    size_t n;
    int threads;
} vqueue;

static void flush_batch(vqueue *q)
{
    vbatch b;
    pthread_t th[64];
    int t, started = 0;
    size_t i;
    if (!q->n) return;
    b.items = q->items;
    b.n = q->n;
    b.next = 0;
    pthread_mutex_init(&b.mu, NULL);
    for (t = 1; t < q->threads && (size_t)t * 16 < q->n; t++)
        if (pthread_create(&th[started], NULL, worker, &b) == 0) started++;
    worker(&b);
    for (t = 0; t < started; t++) pthread_join(th[t], NULL);
    pthread_mutex_destroy(&b.mu);
    for (i = 0; i < q->n; i++) {
        report(q->st, &q->items[i]);
        free(q->items[i].path);
    }
    q->n = 0;
}

static void enqueue(vqueue *q, char *path, const char *err)
{
    vitem *it;
    if (q->n == BATCH) flush_batch(q);
    it = &q->items[q->n++];
    it->path = path;
    it->res = err ? -100 : 0;
    it->clause[0] = 0;
    snprintf(it->message, sizeof it->message, "%s", err ? err : "");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_gpc_ext(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && strcmp(name + n - 4, ".gpc") == 0;
}

static void walk(vqueue *q, const char *dir, int depth)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t nn = 0, cap = 0, i;
    if (depth > 64) return;
    d = opendir(dir);
    if (!d) {
        char msg[512], *p = strdup(dir);
        snprintf(msg, sizeof msg, "cannot read %s: %s", dir, strerror(errno));
        if (p) enqueue(q, p, msg);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
        if (nn == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nw = realloc(names, nc * sizeof *nw);
            if (!nw) break;
            names = nw;
            cap = nc;
        }
        names[nn] = strdup(e->d_name);
        if (!names[nn]) break;
        nn++;
    }
    closedir(d);
    if (nn) qsort(names, nn, sizeof *names, cmp_str);
    for (i = 0; i < nn; i++) {
        size_t L = strlen(dir) + strlen(names[i]) + 2;
        char *p = malloc(L);
        struct stat sb;
        if (p) {
            snprintf(p, L, "%s/%s", dir, names[i]);
            if (stat(p, &sb) != 0) free(p);
            else if (S_ISDIR(sb.st_mode)) {
                walk(q, p, depth + 1);
                free(p);
            } else if (S_ISREG(sb.st_mode) && has_gpc_ext(names[i])) {
                enqueue(q, p, NULL);
            } else free(p);
        }
        free(names[i]);
    }
    free(names);
}

static int cmd_validate(int argc, char **argv)
{
    vstate st = {0, 0, 0, 0, 0};
    vqueue q;
    int i, npaths = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    q.threads = ncpu < 1 ? 1 : ncpu > 16 ? 16 : (int)ncpu;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) st.json = 1;
        else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) st.quiet = 1;
        else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc) {
            q.threads = atoi(argv[++i]);
            if (q.threads < 1 || q.threads > 64) { usage(); return 2; }
        } else if (argv[i][0] == '-' && argv[i][1]) { usage(); return 2; }
        else npaths++;
    }
    if (!npaths) { usage(); return 2; }
    q.st = &st;
    q.n = 0;
    q.items = malloc(BATCH * sizeof *q.items);
    if (!q.items) { fprintf(stderr, "gpcc: out of memory\n"); return 2; }
    for (i = 0; i < argc; i++) {
        struct stat sb;
        char *p;
        size_t L;
        if (strcmp(argv[i], "-j") == 0) { i++; continue; }
        if (argv[i][0] == '-' && argv[i][1]) continue;
        p = strdup(argv[i]);
        if (!p) break;
        L = strlen(p);
        while (L > 1 && p[L - 1] == '/') p[--L] = 0;
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk(&q, p, 0);
            free(p);
        } else enqueue(&q, p, NULL);
    }
    flush_batch(&q);
    free(q.items);
    if (fflush(stdout) != 0) return 2;
    /* conformance/README.md (spec 1.2, CONF-5): `validate` follows the decoder
     * contract: 0 when every file is valid, 1 when any file is invalid or
     * unreadable, else 3 when some file is undecided (UNCHECKED, codec 16) */
    return st.n_invalid ? 1 : st.n_undecided ? 3 : 0;
}

/* ---- info ---------------------------------------------------------------- */
static const char *codec_name(int c)
{
    static const char *n[] = {"stored", "deflate", "brotli", "gpc-ppm1"};
    return (c >= 0 && c <= 3) ? n[c] : "unknown";
}

static void print_double(FILE *f, double v)
{
    char b[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v) break;
    }
    /* Python repr: always a '.' or exponent */
    if (!strchr(b, '.') && !strchr(b, 'e') && !strchr(b, 'n') && !strchr(b, 'i')) strcat(b, ".0");
    fputs(b, f);
}

static int cmd_info(int argc, char **argv)
{
    int json = 0, i, res;
    const char *path = NULL;
    uint8_t *buf;
    size_t len, text_len = 0, payload_total = 0;
    char *text = NULL;
    gpc_info info;
    double bpp;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (argv[i][0] == '-' || path) { usage(); return 2; }
        else path = argv[i];
    }
    if (!path) { usage(); return 2; }
    if (read_file(path, &buf, &len) != 0) {
        fprintf(stderr, "gpcc: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    res = gpc_decode_text(buf, len, &text, &text_len, &info);
    if (res != GPC_VALID && res != GPC_UNDECIDED) {
        if (info.clause[0]) fprintf(stderr, "gpcc: error: [%s] %s\n", info.clause, info.message);
        else fprintf(stderr, "gpcc: error: %s\n", info.message);
        free(buf);
        return 1;
    }
    for (i = 0; i < (int)info.chunk_count; i++) payload_total += info.chunk_size[i];
    bpp = (double)len * 8.0 / ((double)info.width * (double)info.height);
    if (json) {
        printf("{\n  \"path\": ");
        json_str(stdout, path, strlen(path));
        printf(",\n  \"spec_version\": \"%u.%u\",\n  \"read_version\": \"%u.%u\",\n", info.version >> 4,
               info.version & 15, info.read_version >> 4, info.read_version & 15);
        printf("  \"width\": %u,\n  \"height\": %u,\n  \"file_size\": %zu,\n  \"bpp\": ", info.width, info.height, len);
        print_double(stdout, bpp);
        printf(",\n  \"template_id\": %d,\n  \"template\": \"%s\",\n", info.template_id,
               info.template_id == 1 ? "raster-scan-v1" : "verbatim");
        printf("  \"text_codec\": \"%s\",\n  \"text_length\": %u,\n  \"chunks\": [\n", codec_name(info.text_codec), info.text_length);
        for (i = 0; i < (int)info.chunk_count; i++) {
            unsigned t = info.chunk_tag[i];
            char tn[32];
            if (t == 1) strcpy(tn, "text");
            else if (t == 2) strcpy(tn, "image");
            else if (t == 0x81) strcpy(tn, "meta");
            else snprintf(tn, sizeof tn, "unknown-0x%02X", t);
            printf("    {\n      \"type\": \"%s\",\n      \"tag\": %u,\n      \"critical\": %s,\n      \"payload_size\": %u\n    }%s\n",
                   tn, t, (t & 0x80) ? "false" : "true", info.chunk_size[i], i + 1 < (int)info.chunk_count ? "," : "");
        }
        printf("  ],\n  \"container_overhead_bytes\": %zu,\n  \"text\": ", len - payload_total);
        json_str(stdout, text, text_len);
        printf(",\n  \"meta\": {");
        /* meta entries */
        {
            int first = 1;
            for (i = 0; i < (int)info.chunk_count; i++) {
                const uint8_t *p, *e;
                uint32_t cnt = 0, k;
                int sh;
                if (info.chunk_tag[i] != 0x81) continue;
                p = buf + info.chunk_offset[i];
                e = p + info.chunk_size[i];
#define RV(dst) do { dst = 0; sh = 0; while (p < e) { uint8_t c_ = *p++; dst |= (uint32_t)(c_ & 0x7f) << sh; sh += 7; if (!(c_ & 0x80)) break; } } while (0)
                RV(cnt);
                for (k = 0; k < cnt; k++) {
                    uint32_t kl, vl;
                    const uint8_t *kp;
                    RV(kl);
                    kp = p;
                    p += kl;
                    RV(vl);
                    printf("%s\n    ", first ? "" : ",");
                    first = 0;
                    json_str(stdout, (const char *)kp, kl);
                    printf(": ");
                    json_str(stdout, (const char *)p, vl);
                    p += vl;
                }
#undef RV
            }
            printf(first ? "}\n}\n" : "\n  }\n}\n");
        }
    } else {
        printf("%s: GPC %u.%u (reader %u.%u), %ux%u, %zu bytes, %.6f bpp\n", path, info.version >> 4, info.version & 15,
               info.read_version >> 4, info.read_version & 15, info.width, info.height, len, bpp);
        printf("  template %d (%s), text codec %s, %u text bytes, container overhead %zu bytes\n", info.template_id,
               info.template_id == 1 ? "raster-scan-v1" : "verbatim", codec_name(info.text_codec), info.text_length,
               len - payload_total);
        for (i = 0; i < (int)info.chunk_count; i++) {
            unsigned t = info.chunk_tag[i];
            printf("  chunk 0x%02x %s (%s): %u bytes\n", t, t == 1 ? "text" : t == 2 ? "image" : t == 0x81 ? "meta" : "unknown",
                   (t & 0x80) ? "ancillary" : "critical", info.chunk_size[i]);
        }
        if (info.image_codec >= 0)
            printf("  image codec %d, reference image %ux%u%s\n", info.image_codec, info.lowres_width, info.lowres_height,
                   res == GPC_UNDECIDED ? " (not checked: neural codec)" : "");
        printf("  text:\n    ");
        for (i = 0; i < (int)text_len; i++) {
            putchar(text[i]);
            if (text[i] == '\n') fputs("    ", stdout);
        }
        putchar('\n');
    }
    gpc_free(text);
    free(buf);
    return res == GPC_VALID ? 0 : 1;
}

/* ---- decode -------------------------------------------------------------- */
static int write_atomic(const char *out, const void *data, size_t n, const void *hdr, size_t hn)
{
    char *tmp;
    size_t L;
    int fd;
    const unsigned char *parts[2];
    size_t lens[2];
    int k;
    if (strcmp(out, "-") == 0) {
        if ((hn && fwrite(hdr, 1, hn, stdout) != hn) || (n && fwrite(data, 1, n, stdout) != n) || fflush(stdout) != 0)
            return -1;
        return 0;
    }
    L = strlen(out) + 32;
    tmp = malloc(L);
    if (!tmp) return -1;
    snprintf(tmp, L, "%s.tmp-XXXXXX", out);
    fd = mkstemp(tmp);
    if (fd < 0) { free(tmp); return -1; }
    parts[0] = hdr; lens[0] = hn;
    parts[1] = data; lens[1] = n;
    for (k = 0; k < 2; k++) {
        size_t off = 0;
        while (off < lens[k]) {
            ssize_t w = write(fd, parts[k] + off, lens[k] - off);
            if (w < 0) {
                if (errno == EINTR) continue;
                close(fd); unlink(tmp); free(tmp); return -1;
            }
            off += (size_t)w;
        }
    }
    if (fchmod(fd, 0644) != 0 || close(fd) != 0) { unlink(tmp); free(tmp); return -1; }
    if (rename(tmp, out) != 0) { unlink(tmp); free(tmp); return -1; }
    free(tmp);
    return 0;
}

static int cmd_decode(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int mode = 0, i, res;
    uint8_t *buf;
    size_t len;
    gpc_info info;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--request-only") == 0) mode = mode ? -1 : 1;
        else if (strcmp(argv[i], "--lowres-only") == 0) mode = mode ? -1 : 2;
        else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] == '-' || path) { usage(); return 2; }
        else path = argv[i];
    }
    if (!path || !out || mode <= 0) { usage(); return 2; }
    if (read_file(path, &buf, &len) != 0) {
        fprintf(stderr, "gpcc: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (mode == 1) {
        char *json = NULL;
        size_t jl = 0;
        res = gpc_request_json(buf, len, &json, &jl, &info);
        if (res == GPC_VALID) {
            if (write_atomic(out, json, jl, NULL, 0) != 0) {
                fprintf(stderr, "gpcc: cannot write %s: %s\n", out, strerror(errno));
                res = -10;
            }
        }
        gpc_free(json);
    } else {
        uint8_t *rgb = NULL;
        uint32_t w = 0, h = 0;
        res = gpc_decode_lowres(buf, len, &rgb, &w, &h, &info);
        if (res == GPC_VALID && !rgb) {
            fprintf(stderr, "gpcc: %s has no reference image\n", path);
            res = -10;
        } else if (res == GPC_VALID) {
            char hdr[64];
            int hn = snprintf(hdr, sizeof hdr, "P6\n%u %u\n255\n", w, h);
            if (write_atomic(out, rgb, (size_t)w * h * 3, hdr, (size_t)hn) != 0) {
                fprintf(stderr, "gpcc: cannot write %s: %s\n", out, strerror(errno));
                res = -10;
            }
        }
        gpc_free(rgb);
    }
    free(buf);
    if (res == GPC_VALID) return 0;
    if (res == -10) return 1;
    if (res == GPC_INVALID) fprintf(stderr, "[%s] %s\n", info.clause, info.message);
    else if (res == GPC_UNDECIDED) fprintf(stderr, "gpcc: cannot decode: %s\n", info.message);
    else fprintf(stderr, "gpcc: error: %s\n", info.message);
    return res == GPC_UNDECIDED ? 3 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("gpcc %s\n", gpc_version());
        return 0;
    }
    if (argc < 2) { usage(); return 2; }
    if (strcmp(argv[1], "validate") == 0) return cmd_validate(argc - 2, argv + 2);
    if (strcmp(argv[1], "info") == 0) return cmd_info(argc - 2, argv + 2);
    if (strcmp(argv[1], "decode") == 0) return cmd_decode(argc - 2, argv + 2);
    usage();
    return 2;
}
