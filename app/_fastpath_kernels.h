/* Written by `python -m app.fastpath_kernels` from the C rules of the operation table (app/ops.py):
 * edit the table, not this file. */

static double forward_add(double a, double b) { return a + b; }
static double vjp_add_0(double g, double ans, double a, double b) { return g; }
static double vjp_add_1(double g, double ans, double a, double b) { return g; }
static double forward_sub(double a, double b) { return a - b; }
static double vjp_sub_0(double g, double ans, double a, double b) { return g; }
static double vjp_sub_1(double g, double ans, double a, double b) { return -g; }
static double forward_mul(double a, double b) { return a * b; }
static double vjp_mul_0(double g, double ans, double a, double b) { return g * b; }
static double vjp_mul_1(double g, double ans, double a, double b) { return g * a; }
static double forward_div(double a, double b) { return a / b; }
static double vjp_div_0(double g, double ans, double a, double b) { return g / b; }
static double vjp_div_1(double g, double ans, double a, double b) { return -g * a / (b * b); }
static double forward_neg(double x, double unused_) { return -x; }
static double vjp_neg_0(double g, double ans, double x, double unused_) { return -g; }
static double forward_pow(double a, double b) { return b == 0.5 ? sqrt(a) : pow(a, b); }
static double vjp_pow_0(double g, double ans, double a, double b) { return g * (b == 0 ? 0.0 : b * pow(a, b - 1.0)); }
static double vjp_pow_1(double g, double ans, double a, double b) { return g * ((a == 0 && b >= 0) ? 0.0 : ans * log(a == 0 ? 1.0 : a)); }
static double forward_max(double a, double b) { return a > b ? a : b; }
static double vjp_max_0(double g, double ans, double a, double b) { return g * ((a > b ? 1.0 : 0.0) + 0.5 * (a == b ? 1.0 : 0.0)); }
static double vjp_max_1(double g, double ans, double a, double b) { return g * ((b > a ? 1.0 : 0.0) + 0.5 * (b == a ? 1.0 : 0.0)); }
static double forward_min(double a, double b) { return a < b ? a : b; }
static double vjp_min_0(double g, double ans, double a, double b) { return g * ((a < b ? 1.0 : 0.0) + 0.5 * (a == b ? 1.0 : 0.0)); }
static double vjp_min_1(double g, double ans, double a, double b) { return g * ((b < a ? 1.0 : 0.0) + 0.5 * (b == a ? 1.0 : 0.0)); }
static double forward_exp(double x, double unused_) { return exp(x); }
static double vjp_exp_0(double g, double ans, double x, double unused_) { return g * ans; }
static double forward_log(double x, double unused_) { return log(x); }
static double vjp_log_0(double g, double ans, double x, double unused_) { return g / x; }
static double forward_sqrt(double x, double unused_) { return sqrt(x); }
static double vjp_sqrt_0(double g, double ans, double x, double unused_) { return g / (2.0 * ans); }
static double forward_abs(double x, double unused_) { return fabs(x); }
static double vjp_abs_0(double g, double ans, double x, double unused_) { return g * (x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0)); }
static double forward_sigmoid(double x, double unused_) { return (x >= 0 ? 1.0 : exp(-fabs(x))) / (1.0 + exp(-fabs(x))); }
static double vjp_sigmoid_0(double g, double ans, double x, double unused_) { return g * ans * (1.0 - ans); }
static double forward_tanh(double x, double unused_) { return tanh(x); }
static double vjp_tanh_0(double g, double ans, double x, double unused_) { return g * (1.0 - ans * ans); }
static double forward_relu(double x, double unused_) { return x > 0.0 ? x : 0.0; }
static double vjp_relu_0(double g, double ans, double x, double unused_) { return g * (x > 0 ? 1.0 : 0.0); }
static double forward_leaky_relu(double x, double slope) { return x > 0 ? x : slope * x; }
static double vjp_leaky_relu_0(double g, double ans, double x, double slope) { return g * (x > 0 ? 1.0 : slope); }
static double vjp_leaky_relu_1(double g, double ans, double x, double slope) { return g * (x > 0 ? 0.0 : x); }
static double forward_elu(double x, double alpha) { return x > 0 ? x : alpha * expm1(x < 0 ? x : 0.0); }
static double vjp_elu_0(double g, double ans, double x, double alpha) { return g * (x > 0 ? 1.0 : alpha * exp(x < 0 ? x : 0.0)); }
static double vjp_elu_1(double g, double ans, double x, double alpha) { return g * (x > 0 ? 0.0 : expm1(x < 0 ? x : 0.0)); }
static double forward_softplus(double x, double unused_) { return x == 0.0 ? 0.693147180559945309417232121458176568 : (-x > 0 ? 0.0 + log1p(exp(x)) : x + log1p(exp(-x))); }
static double vjp_softplus_0(double g, double ans, double x, double unused_) { return g * ((x >= 0 ? 1.0 : exp(-fabs(x))) / (1.0 + exp(-fabs(x)))); }
static double forward_sin(double x, double unused_) { return sin(x); }
static double vjp_sin_0(double g, double ans, double x, double unused_) { return g * cos(x); }
static double forward_cos(double x, double unused_) { return cos(x); }
static double vjp_cos_0(double g, double ans, double x, double unused_) { return -g * sin(x); }

static const Kernel KERNELS[] = {
    {"add", 2, forward_add, {vjp_add_0, vjp_add_1}},
    {"sub", 2, forward_sub, {vjp_sub_0, vjp_sub_1}},
    {"mul", 2, forward_mul, {vjp_mul_0, vjp_mul_1}},
    {"div", 2, forward_div, {vjp_div_0, vjp_div_1}},
    {"neg", 1, forward_neg, {vjp_neg_0}},
    {"pow", 2, forward_pow, {vjp_pow_0, vjp_pow_1}},
    {"max", 2, forward_max, {vjp_max_0, vjp_max_1}},
    {"min", 2, forward_min, {vjp_min_0, vjp_min_1}},
    {"exp", 1, forward_exp, {vjp_exp_0}},
    {"log", 1, forward_log, {vjp_log_0}},
    {"sqrt", 1, forward_sqrt, {vjp_sqrt_0}},
    {"abs", 1, forward_abs, {vjp_abs_0}},
    {"sigmoid", 1, forward_sigmoid, {vjp_sigmoid_0}},
    {"tanh", 1, forward_tanh, {vjp_tanh_0}},
    {"relu", 1, forward_relu, {vjp_relu_0}},
    {"leaky_relu", 2, forward_leaky_relu, {vjp_leaky_relu_0, vjp_leaky_relu_1}},
    {"elu", 2, forward_elu, {vjp_elu_0, vjp_elu_1}},
    {"softplus", 1, forward_softplus, {vjp_softplus_0}},
    {"sin", 1, forward_sin, {vjp_sin_0}},
    {"cos", 1, forward_cos, {vjp_cos_0}},
};
