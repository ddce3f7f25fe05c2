/*
 * A fake authorization engine: loads an authorization plugin with dlopen()
 * as SecurityAgent does, calls AuthorizationPluginCreate with a callbacks
 * table, and evaluates a right's mechanisms in order. Every callback the
 * plugin makes is printed as one line on stdout for the Rust test to parse.
 *
 * usage: fake_engine PLUGIN.so CALLBACKS_VERSION [--deactivate] MECHANISM...
 *
 * Mechanisms of other plugins are simulated: builtin:authenticate reads the
 * `username` and `password` context values (and denies without them), the
 * rest allow. An older CALLBACKS_VERSION gets a table cut after its last
 * slot with an unreadable page right behind it: a plugin that reads a
 * newer slot crashes this engine, and the test sees it.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int32_t OSStatus;
typedef struct { size_t length; void *data; } AuthorizationValue;
typedef struct { uint32_t count; AuthorizationValue *values; } AuthorizationValueVector;
typedef void *Engine;

typedef struct {
    uint32_t version;
    OSStatus (*SetResult)(Engine, uint32_t);
    OSStatus (*RequestInterrupt)(Engine);
    OSStatus (*DidDeactivate)(Engine);
    OSStatus (*GetContextValue)(Engine, const char *, uint32_t *, const AuthorizationValue **);
    OSStatus (*SetContextValue)(Engine, const char *, uint32_t, const AuthorizationValue *);
    OSStatus (*GetHintValue)(Engine, const char *, const AuthorizationValue **);
    OSStatus (*SetHintValue)(Engine, const char *, const AuthorizationValue *);
    OSStatus (*GetArguments)(Engine, const AuthorizationValueVector **);
    OSStatus (*GetSessionId)(Engine, void **);
    OSStatus (*GetImmutableHintValue)(Engine, const char *, const AuthorizationValue **);
    OSStatus (*GetLAContext)(Engine, void **);
    OSStatus (*GetTokenIdentities)(Engine, void *, void **);
    OSStatus (*GetTKTokenWatcher)(Engine, void **);
    OSStatus (*RemoveHintValue)(Engine, const char *);
    OSStatus (*RemoveContextValue)(Engine, const char *);
} AuthorizationCallbacks;

typedef struct {
    uint32_t version;
    OSStatus (*PluginDestroy)(void *);
    OSStatus (*MechanismCreate)(void *, Engine, const char *, void **);
    OSStatus (*MechanismInvoke)(void *);
    OSStatus (*MechanismDeactivate)(void *);
    OSStatus (*MechanismDestroy)(void *);
} AuthorizationPluginInterface;

typedef OSStatus (*CreateFn)(const AuthorizationCallbacks *, void **, const AuthorizationPluginInterface **);

#define MAX 64
typedef struct { char *key; AuthorizationValue value; uint32_t flags; int used; } Slot;
static Slot context[MAX], hints[MAX];

/* One engine ref per mechanism, as SecurityAgent gives each its own. */
typedef struct { int index; const char *name; int result; int destroyed; } MechEngine;

static void print_value(const AuthorizationValue *v) {
    const unsigned char *p = v->data;
    printf("len=%zu nul=%d hex=", v->length, v->length > 0 && p[v->length - 1] == 0);
    for (size_t i = 0; i < v->length; i++) printf("%02x", p[i]);
}

static Slot *find(Slot *t, const char *key) {
    for (int i = 0; i < MAX; i++) if (t[i].used && strcmp(t[i].key, key) == 0) return &t[i];
    return NULL;
}

static void put(Slot *t, const char *key, const AuthorizationValue *v, uint32_t flags) {
    Slot *s = find(t, key);
    if (!s) for (int i = 0; i < MAX && !s; i++) if (!t[i].used) s = &t[i];
    if (!s) { fprintf(stderr, "table full\n"); exit(3); }
    if (s->used) { free(s->key); free(s->value.data); }
    s->used = 1; s->key = strdup(key); s->flags = flags;
    s->value.length = v->length;
    s->value.data = malloc(v->length ? v->length : 1);
    if (v->length) memcpy(s->value.data, v->data, v->length);
}

static void check_alive(Engine e, const char *call) {
    MechEngine *m = e;
    if (m->destroyed) { printf("LATE_CALLBACK %s %s\n", call, m->name); fflush(stdout); }
}

static OSStatus SetResult(Engine e, uint32_t r) {
    MechEngine *m = e; check_alive(e, "SetResult");
    m->result = (int)r;
    printf("SET_RESULT %s %u\n", m->name, r); fflush(stdout);
    return 0;
}
static OSStatus RequestInterrupt(Engine e) {
    check_alive(e, "RequestInterrupt");
    printf("REQUEST_INTERRUPT %s\n", ((MechEngine *)e)->name); fflush(stdout); return 0;
}
static OSStatus DidDeactivate(Engine e) {
    check_alive(e, "DidDeactivate");
    printf("DID_DEACTIVATE %s\n", ((MechEngine *)e)->name); fflush(stdout); return 0;
}
static OSStatus GetContextValue(Engine e, const char *k, uint32_t *flags, const AuthorizationValue **out) {
    check_alive(e, "GetContextValue");
    Slot *s = find(context, k);
    if (!s) return -60008;
    if (flags) *flags = s->flags;
    *out = &s->value; return 0;
}
static OSStatus SetContextValue(Engine e, const char *k, uint32_t flags, const AuthorizationValue *v) {
    check_alive(e, "SetContextValue");
    printf("SET_CONTEXT %s %s flags=%u ", ((MechEngine *)e)->name, k, flags);
    print_value(v); printf("\n"); fflush(stdout);
    put(context, k, v, flags); return 0;
}
static OSStatus GetHintValue(Engine e, const char *k, const AuthorizationValue **out) {
    check_alive(e, "GetHintValue");
    Slot *s = find(hints, k);
    if (!s) return -60008;
    *out = &s->value; return 0;
}
static OSStatus SetHintValue(Engine e, const char *k, const AuthorizationValue *v) {
    check_alive(e, "SetHintValue");
    printf("SET_HINT %s %s ", ((MechEngine *)e)->name, k);
    print_value(v); printf("\n"); fflush(stdout);
    put(hints, k, v, 0); return 0;
}
static OSStatus GetArguments(Engine e, const AuthorizationValueVector **out) {
    static AuthorizationValueVector none = {0, NULL}; (void)e; *out = &none; return 0;
}
static OSStatus GetSessionId(Engine e, void **out) { (void)e; *out = NULL; return 0; }
static OSStatus GetImmutableHintValue(Engine e, const char *k, const AuthorizationValue **out) {
    return GetHintValue(e, k, out);
}
static OSStatus GetLAContext(Engine e, void **out) { (void)e; (void)out; return -60008; }
static OSStatus GetTokenIdentities(Engine e, void *c, void **out) { (void)e; (void)c; (void)out; return -60008; }
static OSStatus GetTKTokenWatcher(Engine e, void **out) { (void)e; (void)out; return -60008; }
static OSStatus RemoveHintValue(Engine e, const char *k) {
    Slot *s = find(hints, k); (void)e;
    printf("REMOVE_HINT %s\n", k); fflush(stdout);
    if (s) { s->used = 0; free(s->key); free(s->value.data); }
    return 0;
}
static OSStatus RemoveContextValue(Engine e, const char *k) {
    Slot *s = find(context, k);
    check_alive(e, "RemoveContextValue");
    printf("REMOVE_CONTEXT %s %s\n", ((MechEngine *)e)->name, k); fflush(stdout);
    if (s) { s->used = 0; free(s->key); free(s->value.data); }
    return 0;
}

/* Slots in a table of each version (the version word counts as one). */
static size_t slots_for(uint32_t version) {
    switch (version) {
    case 0: return 10;
    case 1: return 11;
    case 2: return 13;
    case 3: return 14;
    default: return 16;
    }
}

/* The table, cut after the version's last slot, an unreadable page behind. */
static AuthorizationCallbacks *make_table(uint32_t version) {
    AuthorizationCallbacks full = {
        version, SetResult, RequestInterrupt, DidDeactivate, GetContextValue, SetContextValue,
        GetHintValue, SetHintValue, GetArguments, GetSessionId, GetImmutableHintValue,
        GetLAContext, GetTokenIdentities, GetTKTokenWatcher, RemoveHintValue, RemoveContextValue,
    };
    size_t size = slots_for(version) * sizeof(void *);
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) { perror("mmap"); exit(3); }
    if (mprotect(mem + page, page, PROT_NONE) != 0) { perror("mprotect"); exit(3); }
    unsigned char *at = mem + page - size;
    memcpy(at, &full, size);
    return (AuthorizationCallbacks *)at;
}

static int context_string(const char *k, char *buf, size_t n) {
    Slot *s = find(context, k);
    if (!s || s->value.length == 0 || s->value.length >= n) return 0;
    memcpy(buf, s->value.data, s->value.length);
    buf[s->value.length] = 0;
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: fake_engine PLUGIN VERSION [--deactivate] MECH...\n"); return 2; }
    int deactivate = 0, first = 3;
    if (strcmp(argv[3], "--deactivate") == 0) { deactivate = 1; first = 4; }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
    CreateFn create = (CreateFn)dlsym(lib, "AuthorizationPluginCreate");
    if (!create) { fprintf(stderr, "dlsym: %s\n", dlerror()); return 2; }
    AuthorizationCallbacks *table = make_table((uint32_t)atoi(argv[2]));
    void *plugin = NULL; const AuthorizationPluginInterface *iface = NULL;
    OSStatus s = create(table, &plugin, &iface);
    printf("PLUGIN_CREATE %d interface_version=%u\n", s, iface ? iface->version : 99);
    if (s != 0 || !iface) return 1;

    void *mechs[MAX]; MechEngine engines[MAX]; int created = 0;
    int final = 0;
    for (int i = first; i < argc && created < MAX; i++) {
        const char *entry = argv[i];
        const char *colon = strchr(entry, ':');
        if (!colon) { fprintf(stderr, "bad mechanism %s\n", entry); return 2; }
        if (strncmp(entry, "Sesame:", 7) != 0) {
            if (strncmp(entry, "builtin:authenticate", 20) == 0) {
                char user[256], pw[256];
                int ok = context_string("username", user, sizeof user) && context_string("password", pw, sizeof pw);
                printf("AUTHENTICATE %s\n", ok ? "has-credentials" : "missing-credentials");
                if (!ok) { final = 1; break; }
            } else {
                printf("BUILTIN %s\n", entry);
            }
            continue;
        }
        char id[128]; size_t n = strcspn(colon + 1, ",");
        if (n >= sizeof id) n = sizeof id - 1;
        memcpy(id, colon + 1, n); id[n] = 0;
        MechEngine *e = &engines[created];
        e->index = created; e->name = entry; e->result = -1; e->destroyed = 0;
        s = iface->MechanismCreate(plugin, e, id, &mechs[created]);
        printf("MECHANISM_CREATE %s %d\n", entry, s);
        if (s != 0) { final = 1; break; }
        created++;
        s = iface->MechanismInvoke(mechs[created - 1]);
        printf("INVOKED %s %d\n", entry, s); fflush(stdout);
        if (e->result < 0) { printf("NO_RESULT %s\n", entry); final = 1; break; }
        if (e->result != 0) { final = e->result; break; }
    }
    if (deactivate && created > 0) {
        printf("DEACTIVATE %s\n", engines[created - 1].name); fflush(stdout);
        iface->MechanismDeactivate(mechs[created - 1]);
    }
    for (int i = created - 1; i >= 0; i--) {
        s = iface->MechanismDestroy(mechs[i]);
        engines[i].destroyed = 1;
        printf("MECHANISM_DESTROY %s %d\n", engines[i].name, s);
    }
    s = iface->PluginDestroy(plugin);
    printf("PLUGIN_DESTROY %d\n", s);
    printf("END %d\n", final);
    fflush(stdout);
    return 0;
}
