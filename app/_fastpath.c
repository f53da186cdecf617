/* The whole pipeline in C, for the common case: program text → graph → forward → backward → JSON.
 *
 * Why it exists: in Python, tokenizing, parsing and building the answer's dicts cost about ten times what
 * the arithmetic does; here one pass over the text writes the same JSON as the Python pipeline
 * (parser.py → graph.py → forward.py → backward.py → serialize.py, then orjson) ten times faster.
 *
 * What it covers: programs whose every value is a number (no arrays), whose every gate has a kernel below,
 * and whose every value and gradient is finite, with no options (check, dot, narrate, ...). For anything
 * else -- an error of any kind, an array, a keyword argument, a non-finite number, an operation without a
 * kernel -- answer() returns None, and the Python pipeline answers (with its error messages and warnings).
 * So this file never says what is wrong with a program, and never needs to.
 *
 * What it reads from the operation table (app/ops.py): each gate's name, symbol, parameters, defaults,
 * operator tokens and whether it is called by name, handed over by app/fastpath.py at import; and each
 * gate's forward and local-gradient rules, the table's c_forward and c_vjps, which `python -m app.fastpath`
 * writes into _fastpath_kernels.h. tests/test_fastpath_kernels.py holds those to the table's NumPy rules,
 * and tests/test_fastpath.py checks that both pipelines give the same answer.
 *
 * It mirrors the Python pipeline's choices exactly, so that the answers are the same: the node order, the
 * labels, a literal that waits to become a constant, the order in which gradients are summed.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* -- the kernels: each gate's forward and local-gradient rules, from the table ----------------------- */

#define MAX_PARAMS 2  /* the widest gate with a kernel */

/* A gate of one parameter ignores the second argument. */
typedef double (*Forward)(double, double);
typedef double (*Vjp)(double g, double ans, double, double);

typedef struct {
    const char *name;
    int n_params;
    Forward forward;
    Vjp vjp[MAX_PARAMS];
} Kernel;

#include "_fastpath_kernels.h"  /* KERNELS: written from the table's c_forward and c_vjps */

static const Kernel *kernel_named(PyObject *name)
{
    for (size_t k = 0; k < sizeof(KERNELS) / sizeof(KERNELS[0]); k++)
        if (PyUnicode_CompareWithASCIIString(name, KERNELS[k].name) == 0)
            return &KERNELS[k];
    return NULL;
}

/* -- the operation table, as app/fastpath.py hands it over ------------------------------------------ */

typedef struct {
    const Kernel *kernel;    /* NULL: a gate of the table without C rules (its programs fall back) */
    PyObject *name;          /* the node's "op" */
    PyObject *symbol;        /* a gate node's label */
    int n_params;
    char param[MAX_PARAMS][32];  /* the parameters' names, for arguments given by name */
    int n_defaults;          /* the last n_defaults parameters have defaults */
    double default_value[MAX_PARAMS];
    PyObject *default_label[MAX_PARAMS];
    int function;            /* called by name, as in exp(x) */
} OpInfo;

enum token {
    T_END, T_NL, T_NUM, T_NAME, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_CARET, T_POW, T_AT, T_LPAREN, T_RPAREN,
    T_COMMA, T_EQ, T_SEMI, T_LBRACK, T_RBRACK, T_PLUS_EQ, T_MINUS_EQ, T_STAR_EQ, T_SLASH_EQ, T_COUNT
};

typedef struct {
    int configured;
    OpInfo *ops;
    int infix[T_COUNT];      /* the gate an operator token builds, or -1 */
    int neg;                 /* the gate of unary minus, or -1 */
    PyObject *constants;     /* dict: name → float */
    PyObject *functions;     /* dict: the name of a gate called by name → its index in ops */
    PyObject *keywords;      /* set: Python's keywords, which are never variables */
    PyObject *format_numbers;  /* bytes of float64s → orjson's JSON array of them */
    PyObject *s_input, *s_const;
} Config;

static Config config;

/* -- growable arrays ----------------------------------------------------------------------------------- */

static int grow(void **items, Py_ssize_t *capacity, Py_ssize_t needed, size_t size)
{
    if (needed <= *capacity)
        return 0;
    Py_ssize_t wanted = *capacity ? *capacity : 16;
    while (wanted < needed)
        wanted *= 2;
    void *bigger = PyMem_Realloc(*items, (size_t)wanted * size);
    if (bigger == NULL)
        return -1;
    *items = bigger;
    *capacity = wanted;
    return 0;
}

/* Columns that grow together: each to `items` items. */
static int resize(void **column, Py_ssize_t items, size_t size)
{
    void *bigger = PyMem_Realloc(*column, (size_t)items * size);
    if (bigger == NULL)
        return -1;
    *column = bigger;
    return 0;
}

/* -- tokens ------------------------------------------------------------------------------------------ */

typedef struct {
    unsigned char *kind;
    Py_ssize_t *start;
    Py_ssize_t *length;
    Py_ssize_t count, capacity;
} Tokens;

static int add_token(Tokens *t, enum token kind, Py_ssize_t start, Py_ssize_t length)
{
    if (t->count == t->capacity) {
        Py_ssize_t wanted = t->capacity ? 2 * t->capacity : 256;
        if (resize((void **)&t->kind, wanted, 1) < 0
            || resize((void **)&t->start, wanted, sizeof(Py_ssize_t)) < 0
            || resize((void **)&t->length, wanted, sizeof(Py_ssize_t)) < 0)
            return -1;
        t->capacity = wanted;
    }
    t->kind[t->count] = (unsigned char)kind;
    t->start[t->count] = start;
    t->length[t->count] = length;
    t->count++;
    return 0;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_name_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_name_char(unsigned char c) { return is_name_start(c) || is_digit(c); }

/* The length of a number at s (the parser's pattern (?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?), or 0. */
static Py_ssize_t number_length(const unsigned char *s, Py_ssize_t left)
{
    Py_ssize_t n = 0;
    if (is_digit(s[0])) {
        while (n < left && is_digit(s[n])) n++;
        if (n < left && s[n] == '.') {
            n++;
            while (n < left && is_digit(s[n])) n++;
        }
    } else if (s[0] == '.' && left > 1 && is_digit(s[1])) {
        n = 1;
        while (n < left && is_digit(s[n])) n++;
    } else {
        return 0;
    }
    if (n < left && (s[n] == 'e' || s[n] == 'E')) {
        Py_ssize_t m = n + 1;
        if (m < left && (s[m] == '+' || s[m] == '-')) m++;
        if (m < left && is_digit(s[m])) {
            while (m < left && is_digit(s[m])) m++;
            n = m;
        }
    }
    return n;
}

/* 1: tokenized; 0: the text has something only the Python pipeline handles (an error, or a character
 * outside ASCII, whose offsets the two would count differently); -1: out of memory. */
static int tokenize(const unsigned char *s, Py_ssize_t size, Tokens *t)
{
    Py_ssize_t i = 0;
    while (i < size) {
        unsigned char c = s[i];
        unsigned char next = i + 1 < size ? s[i + 1] : 0;
        enum token kind;
        Py_ssize_t length = 1;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            i++;
            continue;
        }
        if (c == '#') {
            while (i < size && s[i] != '\n') i++;
            continue;
        }
        if (is_digit(c) || c == '.') {
            length = number_length(s + i, size - i);
            if (length == 0)
                return 0;
            kind = T_NUM;
        } else if (is_name_start(c)) {
            while (i + length < size && is_name_char(s[i + length])) length++;
            kind = T_NAME;
        } else {
            switch (c) {
            case '\n': kind = T_NL; break;
            case '*':
                if (next == '*') { kind = T_POW; length = 2; }
                else if (next == '=') { kind = T_STAR_EQ; length = 2; }
                else kind = T_STAR;
                break;
            case '+': if (next == '=') { kind = T_PLUS_EQ; length = 2; } else kind = T_PLUS; break;
            case '-': if (next == '=') { kind = T_MINUS_EQ; length = 2; } else kind = T_MINUS; break;
            case '/': if (next == '=') { kind = T_SLASH_EQ; length = 2; } else kind = T_SLASH; break;
            case '=': if (next == '=') return 0; kind = T_EQ; break;  /* == is a comparison: an error */
            case '^': kind = T_CARET; break;
            case '@': kind = T_AT; break;
            case '(': kind = T_LPAREN; break;
            case ')': kind = T_RPAREN; break;
            case ',': kind = T_COMMA; break;
            case ';': kind = T_SEMI; break;
            case '[': kind = T_LBRACK; break;
            case ']': kind = T_RBRACK; break;
            default: return 0;  /* a comparison, an unexpected character, or not ASCII */
            }
        }
        if (add_token(t, kind, i, length) < 0)
            return -1;
        i += length;
    }
    /* Two 'end' tokens: the parser may look one token past the first. */
    if (add_token(t, T_END, size, 0) < 0 || add_token(t, T_END, size, 0) < 0)
        return -1;
    t->count--;
    return 1;
}

/* -- names: each distinct name of the program, looked up once ---------------------------------------- */

typedef struct {
    const unsigned char *text;
    Py_ssize_t length;
    uint64_t hash;
    PyObject *str;       /* the name as a Python string */
    int scope;           /* the node the name stands for now, or -1 */
    int is_input;
    int input_node;      /* the input node it declared, if is_input */
    int has_value;       /* values gives it a value */
    double value;
    int function;        /* the gate it calls, or -1 */
    int keyword;         /* a Python keyword: never a variable */
    int constant;        /* pi or e */
    double constant_value;
    int assigned;        /* some statement assigns it (worked out only when needed) */
} Name;

typedef struct {
    Name *names;
    Py_ssize_t count, capacity;
    int *slots;          /* open addressing: index into names, or -1 */
    Py_ssize_t n_slots;  /* a power of two */
} Names;

static uint64_t hash_bytes(const unsigned char *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int rehash(Names *names, Py_ssize_t n_slots)
{
    int *slots = PyMem_Malloc((size_t)n_slots * sizeof(int));
    if (slots == NULL)
        return -1;
    memset(slots, 0xff, (size_t)n_slots * sizeof(int));
    for (Py_ssize_t k = 0; k < names->count; k++) {
        Py_ssize_t j = (Py_ssize_t)(names->names[k].hash & (uint64_t)(n_slots - 1));
        while (slots[j] >= 0) j = (j + 1) & (n_slots - 1);
        slots[j] = (int)k;
    }
    PyMem_Free(names->slots);
    names->slots = slots;
    names->n_slots = n_slots;
    return 0;
}

/* Fills in what the program's context says of a new name: its value, its function, whether it is a keyword
 * or a constant. Returns 0, or -1 with a Python error set. */
static int describe_name(Name *name, PyObject *values)
{
    name->str = PyUnicode_FromStringAndSize((const char *)name->text, name->length);
    if (name->str == NULL)
        return -1;
    name->scope = -1;
    name->function = -1;
    PyObject *value = PyDict_GetItemWithError(values, name->str);
    if (value == NULL && PyErr_Occurred())
        return -1;
    if (value != NULL) {  /* checked to be a float or an int before parsing began */
        name->has_value = 1;
        name->value = PyFloat_Check(value) ? PyFloat_AS_DOUBLE(value) : PyLong_AsDouble(value);
    }
    PyObject *function = PyDict_GetItemWithError(config.functions, name->str);
    if (function == NULL && PyErr_Occurred())
        return -1;
    if (function != NULL)
        name->function = (int)PyLong_AsLong(function);
    int keyword = PySet_Contains(config.keywords, name->str);
    if (keyword < 0)
        return -1;
    name->keyword = keyword;
    PyObject *constant = PyDict_GetItemWithError(config.constants, name->str);
    if (constant == NULL && PyErr_Occurred())
        return -1;
    if (constant != NULL) {
        name->constant = 1;
        name->constant_value = PyFloat_AsDouble(constant);
    }
    return 0;
}

/* The name at text[0:length], added on first sight; NULL with a Python error set on failure. */
static Name *lookup_name(Names *names, const unsigned char *text, Py_ssize_t length, PyObject *values)
{
    uint64_t hash = hash_bytes(text, length);
    if (names->n_slots == 0 && rehash(names, 64) < 0)
        return (Name *)PyErr_NoMemory();
    Py_ssize_t j = (Py_ssize_t)(hash & (uint64_t)(names->n_slots - 1));
    while (names->slots[j] >= 0) {
        Name *name = &names->names[names->slots[j]];
        if (name->hash == hash && name->length == length && memcmp(name->text, text, (size_t)length) == 0)
            return name;
        j = (j + 1) & (names->n_slots - 1);
    }
    if (grow((void **)&names->names, &names->capacity, names->count + 1, sizeof(Name)) < 0)
        return (Name *)PyErr_NoMemory();
    Name *name = &names->names[names->count];
    memset(name, 0, sizeof(Name));
    name->text = text;
    name->length = length;
    name->hash = hash;
    names->slots[j] = (int)names->count;
    names->count++;
    if (describe_name(name, values) < 0)
        return NULL;
    if (names->count * 2 > names->n_slots && rehash(names, names->n_slots * 2) < 0)
        return (Name *)PyErr_NoMemory();
    return name;
}

/* -- the graph: parallel columns by node id, as graph.Graph ------------------------------------------ */

#define INPUT (-1)
#define CONST (-2)

typedef struct {
    int *op;              /* INPUT, CONST or the gate's index in config.ops */
    int *arg;             /* MAX_PARAMS per node */
    unsigned char *n_args;
    unsigned char *needs_grad;
    PyObject **label;     /* new references */
    PyObject **name;      /* borrowed from Names, or NULL */
    double *value;
    Py_ssize_t count, capacity;
} Nodes;

static int new_node(Nodes *g, int op, PyObject *label, double value, int needs_grad)
{
    if (g->count == g->capacity) {
        Py_ssize_t wanted = g->capacity ? 2 * g->capacity : 64;
        if (resize((void **)&g->op, wanted, sizeof(int)) < 0
            || resize((void **)&g->arg, wanted * MAX_PARAMS, sizeof(int)) < 0
            || resize((void **)&g->n_args, wanted, 1) < 0
            || resize((void **)&g->needs_grad, wanted, 1) < 0
            || resize((void **)&g->label, wanted, sizeof(PyObject *)) < 0
            || resize((void **)&g->name, wanted, sizeof(PyObject *)) < 0
            || resize((void **)&g->value, wanted, sizeof(double)) < 0)
            return -1;
        g->capacity = wanted;
    }
    Py_ssize_t node = g->count++;
    g->op[node] = op;
    g->n_args[node] = 0;
    g->needs_grad[node] = (unsigned char)needs_grad;
    Py_INCREF(label);
    g->label[node] = label;
    g->name[node] = NULL;
    g->value[node] = value;
    return (int)node;
}

/* -- the builder: what graph.GraphBuilder does, for the programs covered ----------------------------- */

/* An operand is a node id (>= 0) or a literal that waits to become a constant: -1 - its index. */
typedef struct {
    double value;
    Py_ssize_t token;    /* the number token it was typed as; -1 for a default argument */
    int minus_signs;     /* how many unary minus signs were folded into it */
    PyObject *label;     /* a default argument's label (borrowed) */
} Literal;

enum outcome { DONE = 1, FALL_BACK = 0, FAILED = -1 };  /* FAILED: a Python error is set */

typedef struct {
    const unsigned char *text;
    Tokens tokens;
    Names names;
    Nodes nodes;
    Literal *literals;
    Py_ssize_t n_literals, literals_capacity;
    int *inputs;                /* the names declared as inputs, in order (indexes into names) */
    Py_ssize_t n_inputs, inputs_capacity;
    PyObject *values;
    int strict;
    int has_default;            /* default_value: the value of a name the program uses without giving one */
    double default_value;
    int assigned_known;         /* find_assigned_names has run */
    Py_ssize_t max_nodes, max_depth;
    int output;
} Build;

#define MAX_LITERAL_LABEL 24  /* as graph.MAX_LITERAL_LABEL: a longer literal is labelled by its float */

static int new_literal(Build *b, Literal literal, int *handle)
{
    if (grow((void **)&b->literals, &b->literals_capacity, b->n_literals + 1, sizeof(Literal)) < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    b->literals[b->n_literals] = literal;
    *handle = -1 - (int)b->n_literals++;
    return DONE;
}

static int number_literal(Build *b, Py_ssize_t token, int *handle)
{
    Py_ssize_t length = b->tokens.length[token];
    if (length > MAX_LITERAL_LABEL)
        return FALL_BACK;
    char digits[MAX_LITERAL_LABEL + 1];
    memcpy(digits, b->text + b->tokens.start[token], (size_t)length);
    digits[length] = '\0';
    double value = PyOS_string_to_double(digits, NULL, NULL);
    if (value == -1.0 && PyErr_Occurred())
        return FAILED;
    return new_literal(b, (Literal){value, token, 0, NULL}, handle);
}

static int default_literal(Build *b, OpInfo *op, int param, int *handle)
{
    int d = param - (op->n_params - op->n_defaults);
    return new_literal(b, (Literal){op->default_value[d], -1, 0, op->default_label[d]}, handle);
}

/* Sets *node to a node for this operand: a waiting literal becomes a constant node. */
static int materialize(Build *b, int handle, int *node)
{
    if (handle >= 0) {
        *node = handle;
        return DONE;
    }
    if (b->nodes.count >= b->max_nodes)
        return FALL_BACK;
    Literal *literal = &b->literals[-1 - handle];
    PyObject *label;
    if (literal->token < 0) {
        label = literal->label;
        Py_INCREF(label);
    } else {
        Py_ssize_t length = b->tokens.length[literal->token];
        char text[MAX_LITERAL_LABEL + 64];
        if (literal->minus_signs + length > (Py_ssize_t)sizeof(text))
            return FALL_BACK;
        memset(text, '-', (size_t)literal->minus_signs);
        memcpy(text + literal->minus_signs, b->text + b->tokens.start[literal->token], (size_t)length);
        label = PyUnicode_FromStringAndSize(text, literal->minus_signs + length);
        if (label == NULL)
            return FAILED;
    }
    int made = new_node(&b->nodes, CONST, label, literal->value, 0);
    Py_DECREF(label);
    if (made < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    *node = made;
    return DONE;
}

static int gate(Build *b, int op_index, const int *args, int n_args, int *node)
{
    if (config.ops[op_index].kernel == NULL || b->nodes.count >= b->max_nodes)
        return FALL_BACK;
    int needs = 0;
    for (int k = 0; k < n_args; k++)
        needs |= b->nodes.needs_grad[args[k]];
    int made = new_node(&b->nodes, op_index, config.ops[op_index].symbol, NAN, needs);
    if (made < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    for (int k = 0; k < n_args; k++)
        b->nodes.arg[made * MAX_PARAMS + k] = args[k];
    b->nodes.n_args[made] = (unsigned char)n_args;
    *node = made;
    return DONE;
}

static int declare_input(Build *b, Name *name, double value, int *node)
{
    if (b->nodes.count >= b->max_nodes)
        return FALL_BACK;
    int made = new_node(&b->nodes, INPUT, name->str, value, 1);
    if (made < 0 || grow((void **)&b->inputs, &b->inputs_capacity, b->n_inputs + 1, sizeof(int)) < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    b->nodes.name[made] = name->str;
    b->inputs[b->n_inputs++] = (int)(name - b->names.names);
    name->is_input = 1;
    name->input_node = made;
    name->scope = made;
    *node = made;
    return DONE;
}

/* As parser.Tokens._find_assigned_names: marks every name that some statement assigns. Worked out once, and
 * only for a name with no value yet (a constant, or one the default value would give). Adds names, which may
 * move the array they live in. */
static int find_assigned_names(Build *b)
{
    Tokens *t = &b->tokens;
    int depth = 0, at_statement_start = 1;
    for (Py_ssize_t i = 0; i < t->count; i++) {
        int kind = t->kind[i];
        if (kind == T_LPAREN || kind == T_LBRACK) {
            depth++;
        } else if (kind == T_RPAREN || kind == T_RBRACK) {
            depth--;
        } else if (kind == T_NAME && at_statement_start) {
            int next = t->kind[i + 1];
            if (next == T_EQ || next == T_PLUS_EQ || next == T_MINUS_EQ || next == T_STAR_EQ || next == T_SLASH_EQ) {
                Name *name = lookup_name(&b->names, b->text + t->start[i], t->length[i], b->values);
                if (name == NULL)
                    return FAILED;
                name->assigned = 1;
            }
        }
        at_statement_start = kind == T_SEMI || (kind == T_NL && depth <= 0);
    }
    b->assigned_known = 1;
    return DONE;
}

static int variable(Build *b, Name *name, int *handle)
{
    if (name->scope >= 0) {
        *handle = name->scope;
        return DONE;
    }
    if (name->has_value)
        return declare_input(b, name, name->value, handle);
    Py_ssize_t index = name - b->names.names;
    int outcome;
    if (!b->assigned_known && (outcome = find_assigned_names(b)) != DONE)
        return outcome;
    name = &b->names.names[index];
    if (name->assigned)
        return FALL_BACK;  /* used before it is assigned: an error */
    if (!name->constant) {
        if (name->function >= 0 || !b->has_default)
            return FALL_BACK;  /* a function's name, or a name with no value: an error */
        return declare_input(b, name, b->default_value, handle);
    }
    if (b->nodes.count >= b->max_nodes)
        return FALL_BACK;
    int made = new_node(&b->nodes, CONST, name->str, name->constant_value, 0);
    if (made < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    *handle = made;
    return DONE;
}

static int binary(Build *b, int op_index, int left, int right, int *node)
{
    int args[2], outcome;
    if ((outcome = materialize(b, left, &args[0])) != DONE)
        return outcome;
    if ((outcome = materialize(b, right, &args[1])) != DONE)
        return outcome;
    return gate(b, op_index, args, 2, node);
}

/* The parameter called by the name token, or -1. */
static int param_named(Build *b, OpInfo *op, Py_ssize_t token)
{
    Py_ssize_t length = b->tokens.length[token];
    for (int k = 0; k < op->n_params; k++)
        if ((Py_ssize_t)strlen(op->param[k]) == length && memcmp(op->param[k], b->text + b->tokens.start[token], (size_t)length) == 0)
            return k;
    return -1;
}

/* As GraphBuilder.bind_arguments, then call: arguments by position, then by name, then the defaults. */
static int call(Build *b, int op_index, const int *handles, const Py_ssize_t *keywords, int n_args, int *node)
{
    OpInfo *op = &config.ops[op_index];
    int slot[MAX_PARAMS], filled[MAX_PARAMS] = {0}, args[MAX_PARAMS], outcome, positional = 1;
    if (op->kernel == NULL || n_args == 0 || n_args > op->n_params)
        return FALL_BACK;
    for (int k = 0; k < n_args; k++) {
        int index = k;
        if (keywords[k] >= 0) {
            positional = 0;
            index = param_named(b, op, keywords[k]);
        } else if (!positional) {
            return FALL_BACK;  /* an argument without a name after one with a name: an error */
        }
        if (index < 0 || filled[index])
            return FALL_BACK;  /* no such parameter, or one given twice: an error */
        slot[index] = handles[k];
        filled[index] = 1;
    }
    for (int k = 0; k < op->n_params; k++) {
        if (filled[k])
            continue;
        if (k < op->n_params - op->n_defaults)
            return FALL_BACK;  /* a parameter with no default left out: an error */
        if ((outcome = default_literal(b, op, k, &slot[k])) != DONE)
            return outcome;
    }
    for (int k = 0; k < op->n_params; k++)
        if ((outcome = materialize(b, slot[k], &args[k])) != DONE)
            return outcome;
    return gate(b, op_index, args, op->n_params, node);
}

static int bind(Build *b, Name *target, int node)
{
    if (b->nodes.name[node] == NULL)
        b->nodes.name[node] = target->str;
    target->scope = node;
    return DONE;
}

static int statement(Build *b, Name *target, int augmented_op, int value)
{
    int node, outcome;
    if (target == NULL) {
        outcome = materialize(b, value, &node);
    } else if (augmented_op >= 0) {
        int current;
        Py_ssize_t index = target - b->names.names;
        if ((outcome = variable(b, target, &current)) != DONE)
            return outcome;
        target = &b->names.names[index];  /* variable() may have added names, moving them */
        if ((outcome = binary(b, augmented_op, current, value, &node)) == DONE)
            outcome = bind(b, target, node);
    } else if (value < 0 && target->scope < 0) {
        /* An assignment of a plain number declares an input; a value in the request wins. */
        Literal *literal = &b->literals[-1 - value];
        outcome = declare_input(b, target, target->has_value ? target->value : literal->value, &node);
    } else {
        if ((outcome = materialize(b, value, &node)) != DONE)
            return outcome;
        if (b->strict && target->has_value && !target->is_input)
            return FALL_BACK;  /* values gives a value to a name the program computes: an error */
        outcome = bind(b, target, node);
    }
    if (outcome == DONE)
        b->output = node;
    return outcome;
}

/* -- the parser: parser._Parser's shunting-yard, for the programs covered ---------------------------- */

#define PREFIX_PRECEDENCE 3
#define RIGHT_ASSOCIATIVE 4
#define FRAME (-1)

static int binary_precedence(int kind)
{
    switch (kind) {
    case T_PLUS: case T_MINUS: return 1;
    case T_STAR: case T_SLASH: case T_AT: return 2;
    case T_CARET: case T_POW: return 4;
    default: return 0;
    }
}

static int is_statement_end(int kind) { return kind == T_NL || kind == T_SEMI || kind == T_END; }

typedef struct { int precedence; int token; } Pending;  /* an operator waiting for its operand, or a FRAME */
typedef struct {
    int is_call;
    Py_ssize_t token;        /* the opening bracket, or the function's name */
    Py_ssize_t operands;     /* the operand stack's height when it opened */
    int n_keywords;          /* a call's finished arguments so far */
    Py_ssize_t keyword[MAX_PARAMS + 1];  /* the name token of each argument given by name, or -1 */
    Py_ssize_t pending;      /* the name token of the argument being read, if given by name, or -1 */
} Frame;

typedef struct {
    int *operands;
    Py_ssize_t n_operands, operands_capacity;
    Pending *stack;
    Py_ssize_t n_stack, stack_capacity;
    Frame *frames;
    Py_ssize_t n_frames, frames_capacity;
} Stacks;

static int push_operand(Stacks *s, int handle)
{
    if (grow((void **)&s->operands, &s->operands_capacity, s->n_operands + 1, sizeof(int)) < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    s->operands[s->n_operands++] = handle;
    return DONE;
}

static int push_pending(Stacks *s, int precedence, int token)
{
    if (grow((void **)&s->stack, &s->stack_capacity, s->n_stack + 1, sizeof(Pending)) < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    s->stack[s->n_stack++] = (Pending){precedence, token};
    return DONE;
}

static int reduce(Build *b, Stacks *s)
{
    Pending top = s->stack[--s->n_stack];
    int result, outcome;
    if (top.precedence == PREFIX_PRECEDENCE) {
        int operand = s->operands[--s->n_operands];
        if (top.token == T_PLUS) {
            result = operand;
        } else if (operand < 0) {  /* a signed number is a plain number */
            Literal *literal = &b->literals[-1 - operand];
            if (literal->token < 0)
                return FALL_BACK;
            literal->value = -literal->value;
            literal->minus_signs++;
            result = operand;
        } else {
            if (config.neg < 0)
                return FALL_BACK;
            if ((outcome = gate(b, config.neg, &operand, 1, &result)) != DONE)
                return outcome;
        }
    } else {
        int right = s->operands[--s->n_operands];
        int left = s->operands[--s->n_operands];
        if (config.infix[top.token] < 0)
            return FALL_BACK;
        if ((outcome = binary(b, config.infix[top.token], left, right, &result)) != DONE)
            return outcome;
    }
    s->operands[s->n_operands++] = result;
    return DONE;
}

static int push_binary(Build *b, Stacks *s, int token)
{
    int precedence = binary_precedence(token), outcome;
    while (s->n_stack > 0) {
        Pending top = s->stack[s->n_stack - 1];
        if (top.precedence == FRAME)
            break;
        if (top.precedence > precedence || (top.precedence == precedence && precedence != RIGHT_ASSOCIATIVE)) {
            if ((outcome = reduce(b, s)) != DONE)
                return outcome;
        } else {
            break;
        }
    }
    return push_pending(s, precedence, token);
}

static int open_frame(Build *b, Stacks *s, int is_call, Py_ssize_t token)
{
    if (s->n_frames >= b->max_depth)
        return FALL_BACK;  /* nested deeper than max_depth: an error */
    if (grow((void **)&s->frames, &s->frames_capacity, s->n_frames + 1, sizeof(Frame)) < 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    s->frames[s->n_frames++] = (Frame){is_call, token, s->n_operands, 0, {0}, -1};
    return push_pending(s, FRAME, 0);
}

/* Reduces to the innermost open bracket; FALL_BACK when there is none (an error). */
static int reduce_to_frame(Build *b, Stacks *s)
{
    int outcome;
    if (s->n_frames == 0)
        return FALL_BACK;
    while (s->stack[s->n_stack - 1].precedence != FRAME)
        if ((outcome = reduce(b, s)) != DONE)
            return outcome;
    return DONE;
}

/* A call's argument is finished: note whether it was given by name. */
static int finish_argument(Frame *frame)
{
    if (frame->n_keywords > MAX_PARAMS)
        return FALL_BACK;  /* more arguments than any gate with a kernel takes: an error */
    frame->keyword[frame->n_keywords++] = frame->pending;
    frame->pending = -1;
    return DONE;
}

static int close_call(Build *b, Stacks *s)
{
    Frame frame = s->frames[--s->n_frames];
    s->n_stack--;
    if (s->n_operands > frame.operands && finish_argument(&frame) != DONE)
        return FALL_BACK;
    Tokens *t = &b->tokens;
    Name *name = lookup_name(&b->names, b->text + t->start[frame.token], t->length[frame.token], b->values);
    if (name == NULL)
        return FAILED;
    if (name->function < 0)
        return FALL_BACK;  /* not a function: an error */
    int n_args = (int)(s->n_operands - frame.operands), node, outcome;
    if (n_args > MAX_PARAMS)
        return FALL_BACK;
    outcome = call(b, name->function, s->operands + frame.operands, frame.keyword, n_args, &node);
    if (outcome != DONE)
        return outcome;
    s->n_operands = frame.operands;
    s->operands[s->n_operands++] = node;
    return DONE;
}

/* One statement's expression from token i; sets *end to the token after it and *value to its operand. */
static int expression(Build *b, Stacks *s, Py_ssize_t i, Py_ssize_t *end, int *value)
{
    Tokens *t = &b->tokens;
    const unsigned char *kinds = t->kind;
    int expect_operand = 1, outcome;
    s->n_operands = s->n_stack = s->n_frames = 0;
    for (;; i++) {
        int kind = kinds[i];
        if (kind == T_NL && s->n_frames > 0)
            continue;  /* inside brackets a newline is only a line break, as in Python */
        if (expect_operand) {
            if (kind == T_NUM) {
                int literal;
                if ((outcome = number_literal(b, i, &literal)) != DONE)
                    return outcome;
                if ((outcome = push_operand(s, literal)) != DONE)
                    return outcome;
                expect_operand = 0;
            } else if (kind == T_NAME) {
                if (kinds[i + 1] == T_LPAREN) {
                    if ((outcome = open_frame(b, s, 1, i)) != DONE)
                        return outcome;
                    i++;
                    if (kinds[i + 1] == T_RPAREN)
                        return FALL_BACK;  /* a call with no arguments: an error */
                } else if (kinds[i + 1] == T_EQ && s->n_frames > 0 && s->frames[s->n_frames - 1].is_call
                           && (kinds[i - 1] == T_LPAREN || kinds[i - 1] == T_COMMA)) {
                    s->frames[s->n_frames - 1].pending = i;  /* an argument given by name, as in slope=0.2 */
                    i++;
                } else {
                    Name *name = lookup_name(&b->names, b->text + t->start[i], t->length[i], b->values);
                    int handle;
                    if (name == NULL)
                        return FAILED;
                    if (name->keyword)
                        return FALL_BACK;
                    if ((outcome = variable(b, name, &handle)) != DONE)
                        return outcome;
                    if ((outcome = push_operand(s, handle)) != DONE)
                        return outcome;
                    expect_operand = 0;
                }
            } else if (kind == T_LPAREN) {
                if ((outcome = open_frame(b, s, 0, i)) != DONE)
                    return outcome;
            } else if (kind == T_MINUS || kind == T_PLUS) {
                if ((outcome = push_pending(s, PREFIX_PRECEDENCE, kind)) != DONE)
                    return outcome;
            } else {
                return FALL_BACK;  /* an array, or a missing operand */
            }
        } else {
            if (binary_precedence(kind)) {
                if ((outcome = push_binary(b, s, kind)) != DONE)
                    return outcome;
                expect_operand = 1;
            } else if (((kind == T_NAME || kind == T_LPAREN) && kinds[i - 1] == T_NUM)
                       || (kind == T_LPAREN && kinds[i - 1] == T_RPAREN)) {
                /* Implicit multiplication, as the notes write it: 2x, 3(a+b), (a+b)(b+1). */
                if ((outcome = push_binary(b, s, T_STAR)) != DONE)
                    return outcome;
                expect_operand = 1;
                i--;  /* read the same token again, now as an operand */
            } else if (kind == T_COMMA) {
                if ((outcome = reduce_to_frame(b, s)) != DONE)
                    return outcome;
                if (!s->frames[s->n_frames - 1].is_call)
                    return FALL_BACK;
                if ((outcome = finish_argument(&s->frames[s->n_frames - 1])) != DONE)
                    return outcome;
                expect_operand = 1;
            } else if (kind == T_RPAREN) {
                if ((outcome = reduce_to_frame(b, s)) != DONE)
                    return outcome;
                if (s->frames[s->n_frames - 1].is_call) {
                    if ((outcome = close_call(b, s)) != DONE)
                        return outcome;
                } else {
                    s->n_frames--;
                    s->n_stack--;
                }
            } else if (is_statement_end(kind)) {
                if (s->n_frames > 0)
                    return FALL_BACK;  /* a bracket left open: an error */
                while (s->n_stack > 0)
                    if ((outcome = reduce(b, s)) != DONE)
                        return outcome;
                *end = i;
                *value = s->operands[0];
                return DONE;
            } else {
                return FALL_BACK;
            }
        }
    }
}

static int augmented_op(int kind)
{
    switch (kind) {
    case T_PLUS_EQ: return config.infix[T_PLUS];
    case T_MINUS_EQ: return config.infix[T_MINUS];
    case T_STAR_EQ: return config.infix[T_STAR];
    case T_SLASH_EQ: return config.infix[T_SLASH];
    default: return -2;  /* not an augmented assignment */
    }
}

static int program(Build *b)
{
    Tokens *t = &b->tokens;
    Stacks s = {0};
    Py_ssize_t i = 0;
    int statements = 0, outcome = DONE;
    for (;;) {
        while (t->kind[i] == T_NL || t->kind[i] == T_SEMI)
            i++;
        if (t->kind[i] == T_END)
            break;
        Name *target = NULL;
        int augmented = -2, value = 0;
        if (t->kind[i] == T_NAME && (t->kind[i + 1] == T_EQ || augmented_op(t->kind[i + 1]) != -2)) {
            target = lookup_name(&b->names, b->text + t->start[i], t->length[i], b->values);
            if (target == NULL) {
                outcome = FAILED;
                break;
            }
            augmented = augmented_op(t->kind[i + 1]);
            if (t->kind[i + 1] != T_EQ && augmented < 0) {
                outcome = FALL_BACK;
                break;
            }
            i += 2;
            if (is_statement_end(t->kind[i])) {
                outcome = FALL_BACK;
                break;
            }
        }
        /* The expression may add names, moving the array they live in: find the target again after it. */
        Py_ssize_t target_index = target ? target - b->names.names : -1;
        if ((outcome = expression(b, &s, i, &i, &value)) != DONE)
            break;
        target = target ? &b->names.names[target_index] : NULL;
        if ((outcome = statement(b, target, augmented == -2 ? -1 : augmented, value)) != DONE)
            break;
        statements++;
    }
    PyMem_Free(s.operands);
    PyMem_Free(s.stack);
    PyMem_Free(s.frames);
    if (outcome == DONE && statements == 0)
        outcome = FALL_BACK;  /* an empty program: an error */
    if (outcome == DONE && b->output != b->nodes.count - 1)
        outcome = FALL_BACK;  /* the output is an earlier node: graph.py reorders, which is rare */
    return outcome;
}

/* -- forward and backward ----------------------------------------------------------------------------- */

static int all_finite(const double *column, Py_ssize_t n)
{
    double total = 0.0;  /* a finite sum of finite numbers (inf - inf and nan are nan) */
    for (Py_ssize_t k = 0; k < n; k++)
        total += column[k] * 0.0;
    return total == 0.0;
}

static void forward(Nodes *g)
{
    for (Py_ssize_t node = 0; node < g->count; node++) {
        int op = g->op[node];
        if (op < 0)
            continue;
        const int *args = &g->arg[node * MAX_PARAMS];
        double a = g->value[args[0]], b = g->n_args[node] > 1 ? g->value[args[1]] : 0.0;
        g->value[node] = config.ops[op].kernel->forward(a, b);
    }
}

/* As backward.backward_values: grads by node and shares by wire; has_grad / has_wire_grad are 0 where the
 * Python pipeline has None (a node or wire that depends on no input). */
static void backward(Nodes *g, int output, double *grad, unsigned char *has_grad, double *wire_grad,
                     unsigned char *has_wire_grad, const Py_ssize_t *first_wire)
{
    grad[output] = 1.0;
    has_grad[output] = 1;
    for (Py_ssize_t node = output; node >= 0; node--) {
        int op = g->op[node], n_args = g->n_args[node];
        const int *args = &g->arg[node * MAX_PARAMS];
        if (!has_grad[node]) {
            if (g->needs_grad[node]) {  /* the output does not depend on this node: it, and its wires, get 0 */
                grad[node] = 0.0;
                has_grad[node] = 1;
                for (int k = 0; k < n_args; k++)
                    if (g->needs_grad[args[k]]) {
                        wire_grad[first_wire[node] + k] = 0.0;
                        has_wire_grad[first_wire[node] + k] = 1;
                    }
            }
            continue;
        }
        if (op < 0)
            continue;
        double a = g->value[args[0]], b = n_args > 1 ? g->value[args[1]] : 0.0;
        for (int k = 0; k < n_args; k++) {
            int source = args[k];
            if (!g->needs_grad[source])
                continue;
            double share = config.ops[op].kernel->vjp[k](grad[node], g->value[node], a, b);
            wire_grad[first_wire[node] + k] = share;
            has_wire_grad[first_wire[node] + k] = 1;
            grad[source] = has_grad[source] ? grad[source] + share : share;
            has_grad[source] = 1;
        }
    }
}

/* -- the answer: serialize.graph_json's dict, written straight as the JSON orjson makes of it ----------- */

typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int reserve(Buffer *out, Py_ssize_t more)
{
    if (grow((void **)&out->data, &out->capacity, out->size + more, 1) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Callers reserve() room first; these only copy. */
static void put(Buffer *out, const char *text, Py_ssize_t length)
{
    memcpy(out->data + out->size, text, (size_t)length);
    out->size += length;
}

#define PUT_LITERAL(out, text) put(out, text, (Py_ssize_t)sizeof(text) - 1)

static void put_int(Buffer *out, Py_ssize_t number)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + number % 10);
        number /= 10;
    } while (number > 0);
    while (n > 0)
        out->data[out->size++] = digits[--n];
}

/* A string as JSON: quoted, with '"', '\' and control characters escaped as orjson escapes them. */
static int put_string(Buffer *out, PyObject *str)
{
    Py_ssize_t length;
    const char *text = PyUnicode_AsUTF8AndSize(str, &length);
    if (text == NULL || reserve(out, 6 * length + 2) < 0)
        return -1;
    out->data[out->size++] = '"';
    for (Py_ssize_t k = 0; k < length; k++) {
        unsigned char c = (unsigned char)text[k];
        if (c == '"' || c == '\\') {
            out->data[out->size++] = '\\';
            out->data[out->size++] = (char)c;
        } else if (c < 0x20) {
            static const char SHORT[] = "btn\0fr";  /* \b \t \n and \f \r, by c - 8 */
            if (c >= 8 && c <= 13 && SHORT[c - 8]) {
                out->data[out->size++] = '\\';
                out->data[out->size++] = SHORT[c - 8];
            } else {
                out->size += sprintf(out->data + out->size, "\\u%04x", c);
            }
        } else {
            out->data[out->size++] = (char)c;
        }
    }
    out->data[out->size++] = '"';
    return 0;
}

/* The numbers of the answer as text. orjson writes them (the shortest text that reads back as the same
 * float64, 50 times faster than Python's repr), so that both pipelines write every number alike. */
typedef struct {
    PyObject *text;           /* orjson's "[n0,n1,...]" */
    const char *data;
    Py_ssize_t *start, *length;
} Numbers;

static int format_numbers(Numbers *numbers, const double *raw, Py_ssize_t count)
{
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)raw, count * (Py_ssize_t)sizeof(double));
    if (bytes == NULL)
        return -1;
    numbers->text = PyObject_CallOneArg(config.format_numbers, bytes);
    Py_DECREF(bytes);
    if (numbers->text == NULL)
        return -1;
    if (!PyBytes_Check(numbers->text)) {
        PyErr_SetString(PyExc_TypeError, "format_numbers must return bytes");
        return -1;
    }
    numbers->data = PyBytes_AS_STRING(numbers->text);
    Py_ssize_t size = PyBytes_GET_SIZE(numbers->text), k = 0;
    numbers->start = PyMem_Malloc(((size_t)count + 1) * sizeof(Py_ssize_t));
    numbers->length = PyMem_Malloc(((size_t)count + 1) * sizeof(Py_ssize_t));
    if (numbers->start == NULL || numbers->length == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 1; i < size && k < count; i++) {  /* after the '[' */
        Py_ssize_t j = i;
        while (j < size && numbers->data[j] != ',' && numbers->data[j] != ']') j++;
        numbers->start[k] = i;
        numbers->length[k++] = j - i;
        i = j;
    }
    if (k != count) {
        PyErr_SetString(PyExc_ValueError, "format_numbers gave the wrong number of numbers");
        return -1;
    }
    return 0;
}

static void put_number(Buffer *out, const Numbers *numbers, Py_ssize_t k)
{
    put(out, numbers->data + numbers->start[k], numbers->length[k]);
}

/* A gradient the Python pipeline has as None (slot -1) is written as null. */
static void put_number_or_null(Buffer *out, const Numbers *numbers, Py_ssize_t k)
{
    if (k < 0)
        PUT_LITERAL(out, "null");
    else
        put_number(out, numbers, k);
}

/* Where each number sits in the list handed to orjson: the node values, then the node gradients that
 * exist, then the wire gradients that exist (-1: none, written as null). */
typedef struct {
    Py_ssize_t *grad;         /* by node */
    Py_ssize_t *wire_grad;    /* by wire */
} Slots;

static PyObject *answer_json(Nodes *g, int output, const double *grad, const unsigned char *has_grad,
                             const double *wire_grad, const unsigned char *has_wire_grad, Py_ssize_t wires,
                             Build *b)
{
    Py_ssize_t n = g->count, count = 0;
    PyObject *result = NULL;
    Buffer out = {0};
    Numbers numbers = {0};
    Slots slot = {PyMem_Malloc(((size_t)n + 1) * sizeof(Py_ssize_t)),
                  PyMem_Malloc(((size_t)wires + 1) * sizeof(Py_ssize_t))};
    double *raw = PyMem_Malloc(((size_t)n * 2 + (size_t)wires + 1) * sizeof(double));
    if (slot.grad == NULL || slot.wire_grad == NULL || raw == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(raw, g->value, (size_t)n * sizeof(double));
    count = n;
    for (Py_ssize_t node = 0; node < n; node++) {
        slot.grad[node] = has_grad[node] ? count : -1;
        if (has_grad[node])
            raw[count++] = grad[node];
    }
    for (Py_ssize_t wire = 0; wire < wires; wire++) {
        slot.wire_grad[wire] = has_wire_grad[wire] ? count : -1;
        if (has_wire_grad[wire])
            raw[count++] = wire_grad[wire];
    }
    if (format_numbers(&numbers, raw, count) < 0)
        goto done;
    /* Room for every number once, the values again on the wires, and the rest of a typical node and wire;
     * reserve() makes more when labels or names are long. */
    if (reserve(&out, PyBytes_GET_SIZE(numbers.text) + n * 120 + wires * 90 + 256) < 0)
        goto done;

    PUT_LITERAL(&out, "{\"value\":");
    put_number(&out, &numbers, output);
    PUT_LITERAL(&out, ",\"output\":");
    put_int(&out, output);
    PUT_LITERAL(&out, ",\"gradients\":{");
    for (Py_ssize_t k = 0; k < b->n_inputs; k++) {
        Name *name = &b->names.names[b->inputs[k]];
        if (k > 0)
            PUT_LITERAL(&out, ",");
        if (put_string(&out, name->str) < 0 || reserve(&out, 64) < 0)
            goto done;
        PUT_LITERAL(&out, ":");
        put_number(&out, &numbers, slot.grad[name->input_node]);
    }
    PUT_LITERAL(&out, "},\"nodes\":[");
    for (Py_ssize_t node = 0; node < n; node++) {
        int op = g->op[node];
        if (reserve(&out, 200) < 0)
            goto done;
        if (node > 0)
            PUT_LITERAL(&out, ",");
        PUT_LITERAL(&out, "{\"id\":");
        put_int(&out, node);
        PUT_LITERAL(&out, ",\"op\":");
        if (put_string(&out, op == INPUT ? config.s_input : op == CONST ? config.s_const : config.ops[op].name) < 0
            || reserve(&out, 16) < 0)
            goto done;
        PUT_LITERAL(&out, ",\"label\":");
        if (put_string(&out, g->label[node]) < 0 || reserve(&out, 16) < 0)
            goto done;
        PUT_LITERAL(&out, ",\"name\":");
        if (g->name[node] == NULL)
            PUT_LITERAL(&out, "null");
        else if (put_string(&out, g->name[node]) < 0)
            goto done;
        if (reserve(&out, 200) < 0)
            goto done;
        PUT_LITERAL(&out, ",\"inputs\":[");
        for (int k = 0; k < g->n_args[node]; k++) {
            if (k > 0)
                PUT_LITERAL(&out, ",");
            put_int(&out, g->arg[node * MAX_PARAMS + k]);
        }
        PUT_LITERAL(&out, "],\"value\":");
        put_number(&out, &numbers, node);
        PUT_LITERAL(&out, ",\"grad\":");
        put_number_or_null(&out, &numbers, slot.grad[node]);
        PUT_LITERAL(&out, ",\"shape\":[]}");
    }
    PUT_LITERAL(&out, "],\"edges\":[");
    Py_ssize_t wire = 0;
    for (Py_ssize_t node = 0; node < n; node++) {
        for (int k = 0; k < g->n_args[node]; k++, wire++) {
            int source = g->arg[node * MAX_PARAMS + k];
            if (reserve(&out, 200) < 0)
                goto done;
            if (wire > 0)
                PUT_LITERAL(&out, ",");
            PUT_LITERAL(&out, "{\"source\":");
            put_int(&out, source);
            PUT_LITERAL(&out, ",\"target\":");
            put_int(&out, node);
            PUT_LITERAL(&out, ",\"index\":");
            put_int(&out, k);
            PUT_LITERAL(&out, ",\"value\":");
            put_number(&out, &numbers, source);
            PUT_LITERAL(&out, ",\"grad\":");
            put_number_or_null(&out, &numbers, slot.wire_grad[wire]);
            PUT_LITERAL(&out, "}");
        }
    }
    if (reserve(&out, 32) < 0)
        goto done;
    PUT_LITERAL(&out, "],\"warnings\":[]}");
    result = PyBytes_FromStringAndSize(out.data, out.size);
done:
    PyMem_Free(out.data);
    Py_XDECREF(numbers.text);
    PyMem_Free(numbers.start);
    PyMem_Free(numbers.length);
    PyMem_Free(slot.grad);
    PyMem_Free(slot.wire_grad);
    PyMem_Free(raw);
    return result;
}

/* -- the module: configure() once, then answer() per request ------------------------------------------- */

/* The request's values must all be numbers (float or int, as graph.as_value takes them the cheap way);
 * anything else, even for a name the program does not use, is the Python pipeline's to judge. */
static int values_are_numbers(PyObject *values)
{
    PyObject *key, *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(values, &position, &key, &value)) {
        if (!PyUnicode_CheckExact(key))
            return 0;
        if (PyFloat_Check(value))
            continue;
        if (!PyLong_Check(value))
            return 0;
        int overflow;
        PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow)
            return 0;
    }
    return 1;
}

static void free_build(Build *b)
{
    PyMem_Free(b->tokens.kind);
    PyMem_Free(b->tokens.start);
    PyMem_Free(b->tokens.length);
    for (Py_ssize_t k = 0; k < b->names.count; k++)
        Py_XDECREF(b->names.names[k].str);
    PyMem_Free(b->names.names);
    PyMem_Free(b->names.slots);
    for (Py_ssize_t node = 0; node < b->nodes.count; node++)
        Py_DECREF(b->nodes.label[node]);
    PyMem_Free(b->nodes.op);
    PyMem_Free(b->nodes.arg);
    PyMem_Free(b->nodes.n_args);
    PyMem_Free(b->nodes.needs_grad);
    PyMem_Free(b->nodes.label);
    PyMem_Free(b->nodes.name);
    PyMem_Free(b->nodes.value);
    PyMem_Free(b->literals);
    PyMem_Free(b->inputs);
}

/* Forward, backward and the answer for a built graph; None when some number is not finite. */
static PyObject *run(Build *b)
{
    Nodes *g = &b->nodes;
    Py_ssize_t n = g->count, wires = 0;
    PyObject *result = NULL;
    forward(g);
    if (!all_finite(g->value, n))
        Py_RETURN_NONE;  /* the Python pipeline writes null and a warning */
    Py_ssize_t *first_wire = PyMem_Malloc(((size_t)n + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t node = 0; first_wire != NULL && node < n; node++) {
        first_wire[node] = wires;
        wires += g->n_args[node];
    }
    double *grad = PyMem_Malloc(((size_t)n + 1) * sizeof(double));
    double *wire_grad = PyMem_Malloc(((size_t)wires + 1) * sizeof(double));
    unsigned char *has_grad = PyMem_Calloc((size_t)n + 1, 1);
    unsigned char *has_wire_grad = PyMem_Calloc((size_t)wires + 1, 1);
    if (first_wire == NULL || grad == NULL || wire_grad == NULL || has_grad == NULL || has_wire_grad == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    backward(g, b->output, grad, has_grad, wire_grad, has_wire_grad, first_wire);
    int finite = 1;
    for (Py_ssize_t node = 0; node < n && finite; node++)
        finite = !has_grad[node] || isfinite(grad[node]);
    for (Py_ssize_t wire = 0; wire < wires && finite; wire++)
        finite = !has_wire_grad[wire] || isfinite(wire_grad[wire]);
    if (!finite)
        result = Py_NewRef(Py_None);
    else
        result = answer_json(g, b->output, grad, has_grad, wire_grad, has_wire_grad, wires, b);
done:
    PyMem_Free(first_wire);
    PyMem_Free(grad);
    PyMem_Free(wire_grad);
    PyMem_Free(has_grad);
    PyMem_Free(has_wire_grad);
    return result;
}

PyDoc_STRVAR(answer_doc,
"answer(program, values, strict, max_nodes, max_depth, default_value)\n--\n\n"
"The JSON of compute_graph(program, values, strict=strict, default_value=default_value) with no other\n"
"options, as bytes, or None when this program is not one the fast path covers (the Python pipeline\n"
"then answers).");

static PyObject *answer(PyObject *module, PyObject *const *args, Py_ssize_t n_args)
{
    if (!config.configured) {
        PyErr_SetString(PyExc_RuntimeError, "_fastpath.configure() has not been called");
        return NULL;
    }
    if (n_args != 6 || !PyUnicode_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "answer(program: str, values: dict, strict, max_nodes, max_depth, "
                                         "default_value)");
        return NULL;
    }
    Build b;
    memset(&b, 0, sizeof(b));
    b.values = args[1];
    b.strict = PyObject_IsTrue(args[2]);
    b.max_nodes = PyLong_AsSsize_t(args[3]);
    b.max_depth = PyLong_AsSsize_t(args[4]);
    if (args[5] != Py_None) {
        b.has_default = 1;
        b.default_value = PyFloat_AsDouble(args[5]);
        if (b.default_value == -1.0 && PyErr_Occurred()) {  /* not a number: the Python pipeline's to judge */
            PyErr_Clear();
            Py_RETURN_NONE;
        }
    }
    b.output = -1;
    if (b.strict < 0 || PyErr_Occurred())
        return NULL;
    if (!values_are_numbers(b.values))
        Py_RETURN_NONE;
    Py_ssize_t size;
    PyObject *result = NULL;
    int outcome = FAILED;  /* a text that is not UTF-8 (a lone surrogate) is the Python pipeline's to judge */
    b.text = (const unsigned char *)PyUnicode_AsUTF8AndSize(args[0], &size);
    if (b.text != NULL)
        outcome = tokenize(b.text, size, &b.tokens);
    if (outcome == 1)
        outcome = program(&b);
    if (outcome == DONE)
        result = run(&b);
    free_build(&b);
    if (result == NULL) {
        /* Out of memory, or a program not covered: either way the Python pipeline answers, and says
         * what is wrong if something is. */
        PyErr_Clear();
        result = Py_NewRef(Py_None);
    }
    return result;
}

static int token_of_operator(PyObject *text)
{
    static const struct { const char *text; int token; } OPERATORS[] = {
        {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH}, {"^", T_CARET}, {"**", T_POW}, {"@", T_AT},
    };
    for (size_t k = 0; k < sizeof(OPERATORS) / sizeof(OPERATORS[0]); k++)
        if (PyUnicode_CompareWithASCIIString(text, OPERATORS[k].text) == 0)
            return OPERATORS[k].token;
    return -1;
}

PyDoc_STRVAR(configure_doc,
"configure(ops, constants, keywords, format_numbers)\n--\n\n"
"Take the operation table: ops is a list of (name, symbol, n_params, params, defaults, infix, prefix,\n"
"function) with defaults a tuple of (value, label) for the last parameters; constants maps names to floats;\n"
"keywords is the set of names that are never variables; format_numbers(bytes of float64s) returns\n"
"their JSON array as bytes.");

static PyObject *configure(PyObject *module, PyObject *args)
{
    PyObject *ops, *constants, *keywords, *format;
    if (!PyArg_ParseTuple(args, "O!O!OO", &PyList_Type, &ops, &PyDict_Type, &constants, &keywords, &format))
        return NULL;
    if (config.configured) {
        PyErr_SetString(PyExc_RuntimeError, "_fastpath.configure() may be called only once");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(ops);
    config.ops = PyMem_Calloc((size_t)n + 1, sizeof(OpInfo));
    if (config.ops == NULL)
        return PyErr_NoMemory();
    for (int t = 0; t < T_COUNT; t++)
        config.infix[t] = -1;
    config.neg = -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        OpInfo *op = &config.ops[k];
        PyObject *name, *symbol, *params, *defaults, *infix, *prefix;
        int n_params, function;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(ops, k), "UUiO!O!O!Op", &name, &symbol, &n_params, &PyTuple_Type,
                              &params, &PyTuple_Type, &defaults, &PyTuple_Type, &infix, &prefix, &function))
            return NULL;
        op->name = Py_NewRef(name);
        op->symbol = Py_NewRef(symbol);
        op->n_params = n_params;
        op->function = function;
        op->kernel = kernel_named(name);
        if (op->kernel != NULL && op->kernel->n_params != n_params)
            op->kernel = NULL;  /* the table and the kernels disagree: the Python pipeline answers */
        for (int p = 0; p < n_params && p < MAX_PARAMS && p < PyTuple_GET_SIZE(params); p++) {
            Py_ssize_t length;
            const char *text = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(params, p), &length);
            if (text == NULL)
                return NULL;
            if (length >= (Py_ssize_t)sizeof(op->param[p]))
                op->kernel = NULL;
            else
                memcpy(op->param[p], text, (size_t)length + 1);
        }
        op->n_defaults = (int)PyTuple_GET_SIZE(defaults);
        if (op->n_defaults > n_params || op->n_defaults > MAX_PARAMS)
            op->kernel = NULL;
        for (int d = 0; d < op->n_defaults && d < MAX_PARAMS; d++) {
            PyObject *value, *label;
            if (!PyArg_ParseTuple(PyTuple_GET_ITEM(defaults, d), "O!U", &PyFloat_Type, &value, &label))
                return NULL;
            op->default_value[d] = PyFloat_AS_DOUBLE(value);
            op->default_label[d] = Py_NewRef(label);
        }
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(infix); j++) {
            int token = token_of_operator(PyTuple_GET_ITEM(infix, j));
            if (token >= 0)
                config.infix[token] = (int)k;
        }
        if (prefix != Py_None && PyUnicode_Check(prefix) && PyUnicode_CompareWithASCIIString(prefix, "-") == 0)
            config.neg = (int)k;
    }
    if ((config.functions = PyDict_New()) == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *index = PyLong_FromSsize_t(k);
        if (index == NULL || (config.ops[k].function && PyDict_SetItem(config.functions, config.ops[k].name, index) < 0)) {
            Py_XDECREF(index);
            return NULL;
        }
        Py_DECREF(index);
    }
    config.constants = Py_NewRef(constants);
    config.format_numbers = Py_NewRef(format);
    config.keywords = PyFrozenSet_New(keywords);
    if (config.keywords == NULL)
        return NULL;
    if ((config.s_input = PyUnicode_InternFromString("input")) == NULL
        || (config.s_const = PyUnicode_InternFromString("const")) == NULL)
        return NULL;
    config.configured = 1;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(kernel_doc,
"kernel(name, x, y=0.0, g=1.0)\n--\n\n"
"For tests: (forward, vjp for the first argument, vjp for the second) of the kernel of the gate called\n"
"name at numbers x and y with upstream gradient g; None if there is no kernel of that name.");

static PyObject *kernel(PyObject *module, PyObject *args)
{
    PyObject *name;
    double x, y = 0.0, g = 1.0;
    if (!PyArg_ParseTuple(args, "Ud|dd", &name, &x, &y, &g))
        return NULL;
    const Kernel *k = kernel_named(name);
    if (k == NULL)
        Py_RETURN_NONE;
    double ans = k->forward(x, y);
    double second = k->n_params > 1 ? k->vjp[1](g, ans, x, y) : NAN;
    return Py_BuildValue("(ddd)", ans, k->vjp[0](g, ans, x, y), second);
}

static PyMethodDef methods[] = {
    {"answer", (PyCFunction)(void (*)(void))answer, METH_FASTCALL, answer_doc},
    {"configure", configure, METH_VARARGS, configure_doc},
    {"kernel", kernel, METH_VARARGS, kernel_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_fastpath",
    "The whole pipeline in C for programs of numbers: see the comment at the top of _fastpath.c.",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastpath(void) { return PyModule_Create(&module_def); }
