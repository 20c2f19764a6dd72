/* The screening fast path in C: the skeleton pass and the term filter.
 *
 * skeleton(text: str, table: bytes) -> bytes | None
 * filter_build(terms: list[str]) -> bytes
 * filter_scan(table: bytes, filter: bytes, text: str) -> bool
 *
 * `table` holds one native-endian uint32 per code point below its
 * length / 4, built by skeleton.py: the low 21 bits are the code point
 * to emit, the top byte says what to do with it. The pass emits UTF-8,
 * deletes what the table deletes, and returns None ("don't know: take
 * the exact path") on a flagged character or on a separator run between
 * two Han characters. The Python reference `skeleton_reference` in
 * skeleton.py defines the result; tests compare the two on random text.
 *
 * `filter_scan` makes the same walk without writing anything, and says
 * whether the skeleton contains any of the terms `filter_build` was given
 * (term skeletons, as str): True only when it is defined and contains
 * none. See "The term filter" below.
 *
 * Written by hand because no library folds and scans a str this way in
 * one pass: done with re.sub, encode and bytes.translate the skeleton
 * cost 11 us per 500-character post, and no multi-literal library scans
 * 100,000 Chinese terms fast enough (fastpath.py has the figures).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define CLASS_KEEP 0u
#define CLASS_DELETE 1u
#define CLASS_FLAG 2u
#define CLASS_SEPARATOR 3u
#define CJK_BIT 0x10u
#define CP_MASK 0x1FFFFFu
/* Past the table only the tag and variation-selector blocks change
 * under normalisation; skeleton.py checks that this still holds. */
#define FLAGGED_ASTRAL_FIRST 0xE0000u
#define FLAGGED_ASTRAL_LAST 0xE01EFu

static Py_ssize_t put_utf8(unsigned char *out, uint32_t cp) {
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static inline uint32_t entry_of(const unsigned char *table, Py_ssize_t entries, uint32_t cp) {
    if ((Py_ssize_t)cp < entries) {
        uint32_t entry;
        memcpy(&entry, table + 4 * (Py_ssize_t)cp, 4);
        return entry;
    }
    if (cp >= FLAGGED_ASTRAL_FIRST && cp <= FLAGGED_ASTRAL_LAST)
        return CLASS_FLAG << 24;
    return cp;  /* keep, not Han */
}

enum { STEP_SKIP, STEP_EMIT, STEP_UNKNOWN };

struct walk {
    int after_han; /* last emitted: Han, or separators right after Han */
    int in_run;    /* separators emitted since that Han */
};

/* What to do with one table entry: skip it, emit its code point, or give up. */
static inline int step(uint32_t entry, struct walk *w) {
    uint32_t action = (entry >> 24) & 0x0F;
    if (action == CLASS_DELETE)
        return STEP_SKIP;
    if (action == CLASS_FLAG)
        return STEP_UNKNOWN;
    if (action == CLASS_SEPARATOR) {
        w->in_run = w->after_han;
    } else if ((entry >> 24) & CJK_BIT) {
        if (w->in_run)
            return STEP_UNKNOWN; /* Han, separators, Han: the exact path joins them */
        w->after_han = 1;
    } else {
        w->after_han = w->in_run = 0;
    }
    return STEP_EMIT;
}

/* ---- The term filter ----
 *
 * A term is the code points of its skeleton. The filter keeps a rolling
 * polynomial hash of the emitted code points (prefix[n] covers the first
 * n) and asks, at each one, whether some term ends there, in two steps:
 *
 * 1. A gate: one bit per term in a bitmap of 64 bits per term, keyed by
 *    the term's tail. Most terms' tail is their last two code points; a
 *    term whose last two are both ASCII ("narrow": letters and digits,
 *    only 36 of them) is keyed by its last min(length, 4) instead, else
 *    every English word would pass; a one-code-point term by itself.
 *    A position passes for the key its own last code points make.
 * 2. Past the gate: for each length of a term of that kind, one probe of
 *    an open-addressing set of 64-bit (hash, length) keys.
 *
 * Deciding "clean" needs every probe to miss, and a term that occurs
 * makes its own key at its end, so no term is ever missed; a collision
 * can only send a clean text on to the exact path, which decides.
 */

#define FILTER_MAGIC 0x53464C32u
#define BASE 0xD6E8FEB86659FD93ull   /* odd: the rolling hash's multiplier */
#define GOLDEN 0x9E3779B97F4A7C15ull
#define NO_CP 0x1FFFFFu              /* "before the text" in a two-code-point key */
#define NARROW_WIDTH 4               /* code points in a narrow term's gate key */

struct filter_header {
    uint32_t magic, gate_bits, set_bits;
    uint32_t n_wide, n_narrow;  /* distinct lengths of each kind, ascending */
    uint32_t widths;            /* bit k: some narrow key is k code points long */
    uint32_t singles;           /* some term is one code point long */
    uint32_t padding;
    /* then uint64: wide lengths, their powers of BASE, narrow lengths,
     * their powers, the gate (2^gate_bits bits), the set (2^set_bits) */
};

struct filter {
    const struct filter_header *head;
    const uint64_t *wide, *wide_powers, *narrow, *narrow_powers, *gate, *set;
    uint32_t gate_shift, set_shift;
    uint64_t set_mask, width_powers[NARROW_WIDTH + 1];
};

static inline uint64_t mix(uint64_t z) { /* splitmix64's finaliser */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t term_key(uint64_t hash, uint64_t length) {
    uint64_t key = mix(hash + length * GOLDEN);
    return key ? key : 1; /* 0 marks an empty slot */
}

static inline uint64_t pair_bit(uint32_t previous, uint32_t cp, uint32_t shift) {
    return ((((uint64_t)previous << 21) | cp) * GOLDEN) >> shift;
}

static inline uint64_t tail_bit(uint64_t hash, uint32_t width, uint32_t shift) {
    return ((hash + width) * GOLDEN) >> shift;
}

static inline int gate_has(const struct filter *f, uint64_t bit) {
    return (int)((f->gate[bit >> 6] >> (bit & 63)) & 1u);
}

static inline uint64_t powered(uint64_t length) {
    uint64_t power = 1;
    for (uint64_t j = 0; j < length; j++)
        power *= BASE;
    return power;
}

static size_t filter_size(const struct filter_header *h) {
    return sizeof *h + 16 * ((size_t)h->n_wide + h->n_narrow) +
           ((size_t)1 << h->gate_bits) / 8 + 8 * ((size_t)1 << h->set_bits);
}

/* Point `f` into a blob made by filter_build; -1 (with an exception) if it is not one. */
static int filter_open(const Py_buffer *blob, struct filter *f) {
    const struct filter_header *h = (const struct filter_header *)blob->buf;
    if ((size_t)blob->len < sizeof *h || h->magic != FILTER_MAGIC || h->gate_bits < 6 ||
        h->gate_bits > 40 || h->set_bits < 1 || h->set_bits > 40 ||
        h->n_wide > (1u << 24) || h->n_narrow > (1u << 24) ||
        (size_t)blob->len != filter_size(h)) {
        PyErr_SetString(PyExc_ValueError, "not a screening filter");
        return -1;
    }
    f->head = h;
    f->wide = (const uint64_t *)(h + 1);
    f->wide_powers = f->wide + h->n_wide;
    f->narrow = f->wide_powers + h->n_wide;
    f->narrow_powers = f->narrow + h->n_narrow;
    f->gate = f->narrow_powers + h->n_narrow;
    f->set = f->gate + ((size_t)1 << h->gate_bits) / 64;
    f->gate_shift = 64 - h->gate_bits;
    f->set_shift = 64 - h->set_bits;
    f->set_mask = ((uint64_t)1 << h->set_bits) - 1;
    for (uint32_t k = 0; k <= NARROW_WIDTH; k++)
        f->width_powers[k] = powered(k);
    return 0;
}

static int set_has(const struct filter *f, uint64_t key) {
    for (uint64_t slot = key >> f->set_shift;; slot = (slot + 1) & f->set_mask) {
        if (f->set[slot] == key)
            return 1;
        if (f->set[slot] == 0)
            return 0;
    }
}

/* Does a term of one of `lengths` end after `count` code points? */
static int term_ends(const struct filter *f, const uint64_t *lengths, const uint64_t *powers,
                     uint32_t n, const uint64_t *prefix, Py_ssize_t count) {
    for (uint32_t k = 0; k < n && lengths[k] <= (uint64_t)count; k++) {
        uint64_t hash = prefix[count] - prefix[count - (Py_ssize_t)lengths[k]] * powers[k];
        if (set_has(f, term_key(hash, lengths[k])))
            return 1;
    }
    return 0;
}

static inline int narrow_gate(const struct filter *f, const uint64_t *prefix, Py_ssize_t count) {
    for (uint32_t width = 2; width <= NARROW_WIDTH && width <= count; width++) {
        if (!(f->head->widths >> width & 1u))
            continue;
        uint64_t hash = prefix[count] - prefix[count - width] * f->width_powers[width];
        if (gate_has(f, tail_bit(hash, width, f->gate_shift)))
            return 1;
    }
    return 0;
}

/* Emit `cp` as code point number `count` (from 1): 1 when a term may end there. */
static inline int filter_push(const struct filter *f, uint64_t *prefix, Py_ssize_t count,
                              uint32_t previous, uint32_t cp) {
    const struct filter_header *h = f->head;
    prefix[count] = prefix[count - 1] * BASE + cp + 1;
    if (h->singles && gate_has(f, pair_bit(NO_CP, cp, f->gate_shift)) &&
        term_ends(f, f->wide, f->wide_powers, h->n_wide, prefix, count))
        return 1;
    if (count < 2)
        return 0;
    if (cp < 0x80 && previous < 0x80)
        return narrow_gate(f, prefix, count) &&
               term_ends(f, f->narrow, f->narrow_powers, h->n_narrow, prefix, count);
    return gate_has(f, pair_bit(previous, cp, f->gate_shift)) &&
           term_ends(f, f->wide, f->wide_powers, h->n_wide, prefix, count);
}

/* The two walks over one string width: the skeleton's bytes (-1 for
 * "don't know"), and the filter's verdict (1 clean, 0 not). One copy
 * per width, so the compiler sees a plain array. */
#define DEFINE_WALKS(SUFFIX, CHAR)                                                    \
    static Py_ssize_t pass_##SUFFIX(const CHAR *text, Py_ssize_t length,              \
                                    const unsigned char *tab, Py_ssize_t entries,     \
                                    unsigned char *out) {                             \
        struct walk w = {0, 0};                                                       \
        Py_ssize_t size = 0;                                                          \
        for (Py_ssize_t i = 0; i < length; i++) {                                     \
            uint32_t entry = entry_of(tab, entries, text[i]);                         \
            int what = step(entry, &w);                                               \
            if (what == STEP_UNKNOWN)                                                 \
                return -1;                                                            \
            if (what == STEP_EMIT)                                                    \
                size += put_utf8(out + size, entry & CP_MASK);                        \
        }                                                                             \
        return size;                                                                  \
    }                                                                                 \
    static int scan_##SUFFIX(const CHAR *text, Py_ssize_t length,                     \
                             const unsigned char *tab, Py_ssize_t entries,            \
                             const struct filter *f, uint64_t *prefix) {              \
        struct walk w = {0, 0};                                                       \
        Py_ssize_t count = 0;                                                         \
        uint32_t previous = NO_CP;                                                    \
        prefix[0] = 0;                                                                \
        for (Py_ssize_t i = 0; i < length; i++) {                                     \
            uint32_t entry = entry_of(tab, entries, text[i]);                         \
            int what = step(entry, &w);                                               \
            if (what == STEP_UNKNOWN)                                                 \
                return 0;                                                             \
            if (what == STEP_SKIP)                                                    \
                continue;                                                             \
            uint32_t cp = entry & CP_MASK;                                            \
            if (filter_push(f, prefix, ++count, previous, cp))                        \
                return 0;                                                             \
            previous = cp;                                                            \
        }                                                                             \
        return 1;                                                                     \
    }

DEFINE_WALKS(ucs1, Py_UCS1)
DEFINE_WALKS(ucs2, Py_UCS2)
DEFINE_WALKS(ucs4, Py_UCS4)

static PyObject *skeleton(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table))
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), size;
    const void *data = PyUnicode_DATA(text);
    const unsigned char *tab = (const unsigned char *)table.buf;
    Py_ssize_t entries = table.len / 4;
    PyObject *result = PyBytes_FromStringAndSize(NULL, length * 4);
    if (result == NULL) {
        PyBuffer_Release(&table);
        return NULL;
    }
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: size = pass_ucs1(data, length, tab, entries, out); break;
    case PyUnicode_2BYTE_KIND: size = pass_ucs2(data, length, tab, entries, out); break;
    default: size = pass_ucs4(data, length, tab, entries, out);
    }
    PyBuffer_Release(&table);
    if (size < 0) {
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    if (_PyBytes_Resize(&result, size) < 0)
        return NULL;
    return result;
}

#define STACK_PREFIX 1024 /* code points: longer texts get a heap buffer */

static PyObject *filter_scan(PyObject *self, PyObject *args) {
    PyObject *text, *result = NULL;
    Py_buffer table, blob;
    if (!PyArg_ParseTuple(args, "y*y*U", &table, &blob, &text))
        return NULL;
    struct filter f;
    uint64_t stack[STACK_PREFIX + 1], *prefix = stack;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (filter_open(&blob, &f) < 0)
        goto done;
    if (length > STACK_PREFIX && !(prefix = PyMem_Malloc(sizeof(uint64_t) * (length + 1)))) {
        PyErr_NoMemory();
        goto done;
    }
    const void *data = PyUnicode_DATA(text);
    const unsigned char *tab = (const unsigned char *)table.buf;
    Py_ssize_t entries = table.len / 4;
    int clean;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: clean = scan_ucs1(data, length, tab, entries, &f, prefix); break;
    case PyUnicode_2BYTE_KIND: clean = scan_ucs2(data, length, tab, entries, &f, prefix); break;
    default: clean = scan_ucs4(data, length, tab, entries, &f, prefix);
    }
    if (prefix != stack)
        PyMem_Free(prefix);
    result = PyBool_FromLong(clean);
done:
    PyBuffer_Release(&table);
    PyBuffer_Release(&blob);
    return result;
}

static uint32_t bits_for(size_t wanted, uint32_t minimum) {
    uint32_t bits = minimum;
    while (((size_t)1 << bits) < wanted)
        bits++;
    return bits;
}

/* Narrow: ends in two ASCII code points, so keyed by its last min(length, 4). */
static int is_narrow(int kind, const void *data, Py_ssize_t length) {
    return length >= 2 && PyUnicode_READ(kind, data, length - 1) < 0x80 &&
           PyUnicode_READ(kind, data, length - 2) < 0x80;
}

/* Each distinct length of one kind, ascending, with BASE to its power. */
static uint64_t *put_lengths(uint64_t *out, const unsigned char *seen, Py_ssize_t longest) {
    uint64_t *powers = out;
    for (Py_ssize_t l = 1; l <= longest; l++)
        powers += seen[l] != 0;
    for (Py_ssize_t l = 1; l <= longest; l++) {
        if (seen[l]) {
            *out++ = (uint64_t)l;
            *powers++ = powered((uint64_t)l);
        }
    }
    return powers;
}

static void add_term(const struct filter *f, uint64_t *gate, uint64_t *set, PyObject *term) {
    int kind = PyUnicode_KIND(term);
    const void *data = PyUnicode_DATA(term);
    Py_ssize_t length = PyUnicode_GET_LENGTH(term);
    uint64_t hash = 0, tail = 0, bit;
    for (Py_ssize_t i = 0; i < length; i++) {
        hash = hash * BASE + PyUnicode_READ(kind, data, i) + 1;
        if (i >= length - NARROW_WIDTH)
            tail = tail * BASE + PyUnicode_READ(kind, data, i) + 1;
    }
    if (is_narrow(kind, data, length))
        bit = tail_bit(tail, length < NARROW_WIDTH ? (uint32_t)length : NARROW_WIDTH,
                       f->gate_shift);
    else
        bit = pair_bit(length > 1 ? PyUnicode_READ(kind, data, length - 2) : NO_CP,
                       PyUnicode_READ(kind, data, length - 1), f->gate_shift);
    gate[bit >> 6] |= (uint64_t)1 << (bit & 63);
    uint64_t key = term_key(hash, (uint64_t)length), slot = key >> f->set_shift;
    while (set[slot] != 0 && set[slot] != key)
        slot = (slot + 1) & f->set_mask;
    set[slot] = key;
}

static PyObject *filter_build(PyObject *self, PyObject *args) {
    PyObject *terms;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &terms))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(terms), longest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term = PyList_GET_ITEM(terms, i);
        if (!PyUnicode_Check(term) || PyUnicode_GET_LENGTH(term) == 0) {
            PyErr_SetString(PyExc_ValueError, "terms must be non-empty strings");
            return NULL;
        }
        if (PyUnicode_GET_LENGTH(term) > longest)
            longest = PyUnicode_GET_LENGTH(term);
    }
    /* seen[l]: bit 0, a wide term of length l; bit 1, a narrow one */
    unsigned char *seen = PyMem_Calloc((size_t)longest + 1, 2);
    if (seen == NULL)
        return PyErr_NoMemory();
    unsigned char *wide = seen, *narrow = seen + longest + 1;
    struct filter_header head = {FILTER_MAGIC, bits_for(64 * (size_t)n, 16),
                                 bits_for(2 * (size_t)n + 1, 4), 0, 0, 0, 0, 0};
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term = PyList_GET_ITEM(terms, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(term);
        if (is_narrow(PyUnicode_KIND(term), PyUnicode_DATA(term), length)) {
            head.n_narrow += !narrow[length];
            narrow[length] = 1;
            head.widths |= 1u << (length < NARROW_WIDTH ? length : NARROW_WIDTH);
        } else {
            head.n_wide += !wide[length];
            wide[length] = 1;
            head.singles |= length == 1;
        }
    }
    PyObject *blob = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)filter_size(&head));
    if (blob == NULL) {
        PyMem_Free(seen);
        return NULL;
    }
    char *buf = PyBytes_AS_STRING(blob);
    memset(buf, 0, filter_size(&head));
    memcpy(buf, &head, sizeof head);
    uint64_t *gate = put_lengths(put_lengths((uint64_t *)(buf + sizeof head), wide, longest),
                                 narrow, longest);
    PyMem_Free(seen);
    struct filter f;
    Py_buffer view = {.buf = buf, .len = PyBytes_GET_SIZE(blob)};
    if (filter_open(&view, &f) < 0) {
        Py_DECREF(blob);
        return NULL;
    }
    uint64_t *set = gate + ((size_t)1 << head.gate_bits) / 64;
    for (Py_ssize_t i = 0; i < n; i++)
        add_term(&f, gate, set, PyList_GET_ITEM(terms, i));
    return blob;
}

static PyMethodDef methods[] = {
    {"skeleton", skeleton, METH_VARARGS,
     "skeleton(text, table) -> bytes or None: the fast path's byte image of text."},
    {"filter_build", filter_build, METH_VARARGS,
     "filter_build(terms) -> bytes: the term filter over term skeletons (str)."},
    {"filter_scan", filter_scan, METH_VARARGS,
     "filter_scan(table, filter, text) -> bool: True when the skeleton is defined "
     "and holds no term."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "policy.screening._skeleton",
    "The screening fast path: the skeleton pass and the term filter (see skeleton.py).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__skeleton(void) {
    return PyModule_Create(&module);
}
