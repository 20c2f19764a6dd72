/* The screening fast path's skeleton, one pass in C (see skeleton.py).
 *
 * skeleton(text: str, table: bytes) -> bytes | None
 *
 * `table` holds one native-endian uint32 per code point below its
 * length / 4, built by skeleton.py: the low 21 bits are the code point
 * to emit, the top byte says what to do with it. The pass emits UTF-8,
 * deletes what the table deletes, and returns None ("don't know: take
 * the exact path") on a flagged character or on a separator run between
 * two Han characters. The Python reference `skeleton_reference` in
 * skeleton.py defines the result; tests compare the two on random text.
 *
 * Written by hand because no library folds and scans a str this way in
 * one pass: done with re.sub, encode and bytes.translate it cost 11 us
 * per 500-character post, more than the hyperscan scan after it.
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

/* The pass over one string width: bytes written, or -1 for "don't know". */
#define DEFINE_PASS(NAME, CHAR)                                                      \
    static Py_ssize_t NAME(const CHAR *text, Py_ssize_t length,                      \
                           const unsigned char *tab, Py_ssize_t entries,             \
                           unsigned char *out) {                                     \
        Py_ssize_t size = 0;                                                         \
        int after_han = 0; /* last emitted: Han, or separators right after Han */    \
        int in_run = 0;    /* separators emitted since that Han */                   \
        for (Py_ssize_t i = 0; i < length; i++) {                                    \
            uint32_t entry = entry_of(tab, entries, text[i]);                        \
            uint32_t action = (entry >> 24) & 0x0F;                                  \
            if (action == CLASS_DELETE)                                              \
                continue;                                                            \
            if (action == CLASS_FLAG)                                                \
                return -1;                                                           \
            if (action == CLASS_SEPARATOR) {                                         \
                in_run = after_han;                                                  \
            } else if ((entry >> 24) & CJK_BIT) {                                    \
                if (in_run)                                                          \
                    return -1; /* Han, separators, Han: the exact path joins them */ \
                after_han = 1;                                                       \
            } else {                                                                 \
                after_han = in_run = 0;                                              \
            }                                                                        \
            size += put_utf8(out + size, entry & 0x1FFFFF);                          \
        }                                                                            \
        return size;                                                                 \
    }

DEFINE_PASS(pass_ucs1, Py_UCS1)
DEFINE_PASS(pass_ucs2, Py_UCS2)
DEFINE_PASS(pass_ucs4, Py_UCS4)

static PyObject *skeleton(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table))
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t entries = table.len / 4;
    const unsigned char *tab = (const unsigned char *)table.buf;
    PyObject *result = PyBytes_FromStringAndSize(NULL, length * 4);
    if (result == NULL) {
        PyBuffer_Release(&table);
        return NULL;
    }
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    Py_ssize_t size;
    /* One loop per string width, so the compiler sees a plain array. */
    if (kind == PyUnicode_1BYTE_KIND)
        size = pass_ucs1((const Py_UCS1 *)data, length, tab, entries, out);
    else if (kind == PyUnicode_2BYTE_KIND)
        size = pass_ucs2((const Py_UCS2 *)data, length, tab, entries, out);
    else
        size = pass_ucs4((const Py_UCS4 *)data, length, tab, entries, out);
    if (size < 0) {
        PyBuffer_Release(&table);
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    PyBuffer_Release(&table);
    if (_PyBytes_Resize(&result, size) < 0)
        return NULL;
    return result;
}

static PyMethodDef methods[] = {
    {"skeleton", skeleton, METH_VARARGS,
     "skeleton(text, table) -> bytes or None: the fast path's byte image of text."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "policy.screening._skeleton",
    "The screening fast path's skeleton in one pass (see skeleton.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__skeleton(void) {
    return PyModule_Create(&module);
}
