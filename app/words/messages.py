"""Every sentence the API answers with when it cannot do what was asked, in English and Chinese, side by side.

One row per message: its key, its English template and its Chinese template. Both templates have the same
placeholders with the same formats (``tests/test_messages.py`` holds every row to it), so the two languages
carry the same facts: names, numbers, positions, hints. ``say(key, **facts)`` fills a row in both languages
and gives a ``Text``. A fact may itself be a ``Text`` (a phrase such as "the end of the line", a row of its
own), which goes into each language as that language's words. ``{fact!c}`` capitalises a phrase that starts
an English sentence.

The Chinese is written as the course notes write it: 梯度, 计算图, 门, 前向传播, 反向传播, 学习率, 轮 (epoch).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Text:
    """A sentence, or a phrase of one, in English and Chinese."""

    en: str
    zh: str


MESSAGES: dict[str, tuple[str, str]] = {
    # -- the parser (app/engine/parser.py) ------------------------------------------------------------------------------
    "comparison": (
        "Comparisons such as {text} are not part of the language; max(a, b) and min(a, b) pick the larger or "
        "smaller value.",
        "这门语言没有 {text} 这样的比较运算；要取两个值中较大或较小的那个，请用 max(a, b) 或 min(a, b)。"),
    "unexpected_character": ("Unexpected character {text!r}: {hint}.", "意外的字符 {text!r}：{hint}。"),
    "hint_string": ("strings are not part of the language", "这门语言没有字符串"),
    "hint_point": ("a '.' must be part of a number such as 0.5 (attribute access is not part of the language)",
                   "'.' 只能出现在数里，例如 0.5（这门语言没有属性访问）"),
    "hint_colon": ("':' is not part of the language (there are no lambdas, slices or blocks)",
                   "这门语言没有 ':'（没有 lambda、切片，也没有代码块）"),
    "hint_braces": ("braces are not part of the language; write arrays with [ ]",
                    "这门语言没有花括号；数组请用 [ ] 写"),
    "hint_not_an_operator": ("{character!r} is not an operator here; the operators are {operators}",
                             "{character!r} 在这里不是运算符；运算符有 {operators}"),
    "hint_not_in_the_language": ("{text!r} is not part of the language", "这门语言里没有 {text!r}"),
    "empty_program": ("The program is empty: type an expression such as 3*(a + b*c).",
                      "程序是空的：请输入一个表达式，例如 3*(a + b*c)。"),
    "nothing_assigned": ("Nothing is assigned to {target}: write a value after {sign!r}.",
                         "没有给 {target} 赋值：请在 {sign!r} 后面写一个值。"),
    "empty_array": ("An empty array [] has no value: put numbers in it, such as [1, 2].",
                    "空数组 [] 没有值：请在里面写上数，例如 [1, 2]。"),
    "stray_comma": ("A comma can only separate the arguments of a function or the items of an array.",
                    "逗号只能分隔函数的参数或数组的元素。"),
    "no_opening_bracket": ("This {text!r} has no matching opening bracket.", "这个 {text!r} 没有与之配对的左括号。"),
    "too_deep": ("Brackets and calls are nested more than {limit} levels deep (the max_depth limit, set by "
                 "{variable}).",
                 "括号和函数调用嵌套超过了 {limit} 层（max_depth 上限，由 {variable} 设定）。"),
    "ends_too_early": ("The statement ends too early: something is missing after {previous!r}.",
                       "语句提前结束了：{previous!r} 后面还缺少内容。"),
    "argument_missing": ("An argument is missing after ','.", "',' 后面缺少一个参数。"),
    "item_missing": ("An item is missing after ','.", "',' 后面缺少一个元素。"),
    "misplaced_equals": ("'=' can only follow the name at the start of a statement, as in u = b*c.",
                         "'=' 只能紧跟在语句开头的名字后面，例如 u = b*c。"),
    "misplaced_equals_or_compare": (
        "'=' can only follow the name at the start of a statement, as in u = b*c. To compare values, use max or min.",
        "'=' 只能紧跟在语句开头的名字后面，例如 u = b*c。要比较大小，请用 max 或 min。"),
    "misplaced_augmented": ("{text!r} can only follow the name at the start of a statement, as in c {text} 1.",
                            "{text!r} 只能紧跟在语句开头的名字后面，例如 c {text} 1。"),
    "missing_between": ("Something is missing between {previous!r} and {text!r}: a number, a name or a bracket.",
                        "{previous!r} 和 {text!r} 之间缺少内容：一个数、一个名字或一个括号。"),
    "needs_operand_before": ("{text!r} needs a number, a name or a bracket before it.",
                             "{text!r} 前面需要一个数、一个名字或一个括号。"),
    "not_expected": ("{found!c} is not expected here.", "这里不应出现{found}。"),
    "two_names": ("Two names in a row: did you mean {previous}*{text}?",
                  "两个名字连在了一起：你是想写 {previous}*{text} 吗？"),
    "two_decimal_points": ("A number has at most one decimal point.", "一个数最多只有一个小数点。"),
    "cannot_follow": ("{found!c} cannot follow {previous!r} directly: did you mean {previous}*{text}?",
                      "{found} 不能直接跟在 {previous!r} 后面：你是想写 {previous}*{text} 吗？"),
    "indexing": ("Indexing with [ ] is not supported.", "不支持用 [ ] 取下标。"),
    "not_callable": ("{previous!r} cannot be called: only functions such as exp(x) can. To multiply, write "
                     "{previous}*(…).",
                     "{previous!r} 不能被调用：只有 exp(x) 这样的函数才能调用。要相乘，请写 {previous}*(…)。"),
    "unclosed": ("The {opener!r} on line {line}, column {column} is not closed: expected {closer!r} before {found}.",
                 "第 {line} 行第 {column} 列的 {opener!r} 没有闭合：在{found}之前应该有 {closer!r}。"),
    "python_keyword": ("{text!r} is a Python keyword, and programs here are not Python: only arithmetic, functions "
                       "and assignments are allowed.",
                       "{text!r} 是 Python 的关键字，而这里的程序不是 Python：只能写算术运算、函数和赋值。"),
    # what a token is, in a sentence
    "the_end_of_the_program": ("the end of the program", "程序末尾"),
    "the_end_of_the_line": ("the end of the line", "行末"),
    "the_number": ("the number {text}", "数 {text}"),
    "the_name": ("the name {text!r}", "名字 {text!r}"),

    # -- the graph (app/engine/graph.py) ------------------------------------------------------------------------------
    "bad_value": ("The value of {name} must be a number or nested lists of numbers with rows of equal length.",
                  "{name} 的值必须是一个数，或者由数组成、每行一样长的嵌套列表。"),
    "value_too_big": ("The value of {name} has {size} elements, more than the max_elements limit of {limit} (set "
                      "by {variable}).",
                      "{name} 的值有 {size} 个元素，超过了 max_elements 上限 {limit}（由 {variable} 设定）。"),
    "program_too_long": ("The program has {length} characters, more than the max_chars limit of {limit} (set by "
                         "{variable}).",
                         "程序有 {length} 个字符，超过了 max_chars 上限 {limit}（由 {variable} 设定）。"),
    "too_many_nodes": ("The program makes more than {limit} nodes (the max_nodes limit, set by {variable}).",
                       "程序生成的节点超过了 {limit} 个（max_nodes 上限，由 {variable} 设定）。"),
    "too_many_nodes_unfolded": ("Unfolded, the program makes more than {limit} nodes (the max_nodes limit, set by "
                                "{variable}).",
                                "展开复合门之后，程序生成的节点超过了 {limit} 个（max_nodes 上限，由 {variable} 设定）。"),
    "used_before_assigned": ("{name} is used before it is assigned: assign it on an earlier line, or give it a "
                             "value.",
                             "{name} 在赋值之前就被使用了：请在前面的行里给它赋值，或者直接给它一个值。"),
    "name_is_a_function": ("{name} is a function: call it on an argument, as in {name}(x).",
                           "{name} 是一个函数：要把它作用在参数上，例如 {name}(x)。"),
    # {hint} is several_letters or nothing
    "no_value": ("{name} has no value: give it one (for example {name} = 1 on a line before), or check the "
                 "spelling.{hint}",
                 "{name} 没有值：请给它一个值（例如在前面一行写 {name} = 1），或者检查拼写。{hint}"),
    "several_letters": (" A name of several letters is one name: to multiply, write {product}.",
                        "几个字母连在一起是一个名字：要相乘，请写 {product}。"),
    "variable_called": ("{name} is a variable, not a function: to multiply, write {name}*(…).",
                        "{name} 是变量，不是函数：要相乘，请写 {name}*(…)。"),
    "no_such_function": ("There is no function called {name}. The functions are: {functions}.",
                         "没有叫 {name} 的函数。可用的函数有：{functions}。"),
    "positional_after_keyword": ("In {signature}, an argument without a name cannot follow one given by name.",
                                 "在 {signature} 中，不带名字的参数不能写在带名字的参数后面。"),
    "argument_count": ("{signature} takes {arguments}, but was given {given}.",
                       "{signature} 接受 {arguments}，但这里给了 {given} 个。"),
    "one_argument": ("1 argument", "1 个参数"),
    "arguments": ("{count} arguments", "{count} 个参数"),
    "arguments_between": ("{low} to {high} arguments", "{low} 到 {high} 个参数"),
    "no_such_argument": ("{function} has no argument called {keyword}: it is {signature}.",
                         "{function} 没有叫 {keyword} 的参数：它的写法是 {signature}。"),
    "argument_twice": ("{keyword} is given twice in {signature}.", "{keyword} 在 {signature} 中给了两次。"),
    "ragged_array": ("The rows of this array have different lengths: every row needs the same number of items.",
                     "这个数组各行的长度不同：每一行的元素个数必须相同。"),
    "array_too_big": ("This array has {size} elements, more than the max_elements limit of {limit} (set by "
                      "{variable}).",
                      "这个数组有 {size} 个元素，超过了 max_elements 上限 {limit}（由 {variable} 设定）。"),
    "value_for_computed": ("values gives {name} a value, but the program computes {name} here: remove it from "
                           "values, or declare it with a number, as in {name} = 1.",
                           "values 给了 {name} 一个值，但程序在这里计算 {name}：请把它从 values 中去掉，"
                           "或者用一个数声明它，例如 {name} = 1。"),

    # -- the forward pass (app/engine/forward.py) ---------------------------------------------------------------------
    "too_large_for_memory": ("This operation's result is too large for memory.", "这个运算的结果太大，内存放不下。"),
    "too_many_elements": ("The values of all nodes together exceed {limit} elements (the max_total_elements "
                          "limit, set by {variable}).",
                          "所有节点的值加起来超过了 {limit} 个元素（max_total_elements 上限，由 {variable} 设定）。"),
    "result_too_big": ("The result of {label} would have {size} elements, more than the max_elements limit of "
                       "{limit} (set by {variable}).",
                       "{label} 的结果会有 {size} 个元素，超过了 max_elements 上限 {limit}（由 {variable} 设定）。"),
    "matmul_shapes": ("@ cannot multiply shapes {shapes}: the last dimension of the left operand must equal the "
                      "first dimension of a vector, or the second-to-last of a matrix, on the right.",
                      "@ 无法相乘形状为 {shapes} 的数组：左操作数的最后一维，必须等于右边向量的第一维，"
                      "或者右边矩阵的倒数第二维。"),
    "matmul_a_number": ("@ cannot multiply shapes {shapes}: {names} {is_are} here, and @ multiplies arrays "
                        "(matrices and vectors). Give {names} an array value first, on a line above: {examples} (or "
                        "in the request's values); to multiply by a number, use *.",
                        "@ 无法相乘形状为 {shapes} 的数组：这里的 {names} {is_are}，而 @ 用于数组（矩阵和向量）相乘。"
                        "请先在上面一行给 {names} 数组值：{examples}（或者在请求的 values 里给出）；要乘以一个数，请用 *。"),
    "matmul_is": ("is a number", "是一个数"),
    "matmul_are": ("are numbers", "都是数"),
    "elementwise_shapes": ("{symbol} cannot combine shapes {shapes}: arrays combine element by element when "
                           "their shapes are equal, or when one of them is a number (NumPy broadcasting).",
                           "{symbol} 无法组合形状 {shapes}：数组逐元素运算时，形状必须相同，"
                           "或者其中一个是数（NumPy 的广播）。"),
    "dot_shapes": ("dot cannot take shapes {shapes}: dot takes two vectors of the same length; for matrices use @.",
                   "dot 不能接受形状 {shapes}：dot 需要两个长度相同的向量；矩阵请用 @。"),
    "array_shapes": ("The items of this array have shapes {shapes}: every item needs the same shape.",
                     "这个数组各项的形状是 {shapes}：每一项的形状必须相同。"),
    "shapes": ("{op} cannot take shapes {shapes}.", "{op} 不能接受形状 {shapes}。"),
    "shape_of_a_number": ("() (a number)", "()（一个数）"),

    # -- the cost of a stage, counted before it starts (app/engine/costs.py) ------------------------------------------
    "check_too_costly": ("A gradient check here needs 2 forward passes for each of {elements:,} input elements, "
                         "{per_pass:,} element operations each: {work:,} in all, more than the max_check_work "
                         "limit of {limit:,} (set by {variable}). Check a smaller array.",
                         "这里的梯度检验要为 {elements:,} 个输入元素各做 2 次前向传播，每次 {per_pass:,} 次元素运算："
                         "一共 {work:,} 次，超过了 max_check_work 上限 {limit:,}（由 {variable} 设定）。"
                         "请检验小一些的数组。"),
    "narration_too_big": ("Narration tells every node's story, and this graph has {nodes:,} nodes, more than the "
                          "max_narrate_nodes limit of {limit:,} (set by {variable}). Ask without narrate.",
                          "讲解要把每个节点都讲一遍，而这个计算图有 {nodes:,} 个节点，超过了 max_narrate_nodes 上限 "
                          "{limit:,}（由 {variable} 设定）。请不带 narrate 再请求。"),
    "answer_too_big": ("The answer would be at least {size:,} bytes ({numbers:,} numbers), more than the "
                       "max_answer_bytes limit of {limit:,} (set by {variable}). Ask for fewer options or smaller "
                       "arrays.",
                       "回答至少会有 {size:,} 字节（{numbers:,} 个数），超过了 max_answer_bytes 上限 {limit:,}"
                       "（由 {variable} 设定）。请少选几个选项，或者用小一些的数组。"),

    # -- sweeps and the time budget (app/compute.py) -----------------------------------------------------------
    "sweep_points": ("A sweep needs between 2 and {limit} points (the max_sweep_points limit, set by {variable}); "
                     "{count} were asked for.",
                     "扫描需要 2 到 {limit} 个点（max_sweep_points 上限，由 {variable} 设定）；这里要的是 {count} 个。"),
    "not_an_input": ("{name} is not an input of this program; its inputs are: {inputs}.",
                     "{name} 不是这个程序的输入；这个程序的输入是：{inputs}。"),
    "sweep_of_an_array": ("A sweep varies a number, but {name} is an array.", "扫描改变的是一个数，但 {name} 是数组。"),
    "sweep_range": ("A sweep runs between two finite numbers less than about 1.8e308 apart; from {start} to {stop} "
                    "is not.",
                    "扫描的起点和终点必须是两个有限的数，相差小于约 1.8e308；从 {start} 到 {stop} 不行。"),
    "took_too_long": ("The computation took longer than the max_seconds limit of {seconds} seconds (set by "
                      "{variable}) before {next_step}; try a smaller program or fewer points.",
                      "计算在{next_step}之前就超过了 max_seconds 上限 {seconds} 秒（由 {variable} 设定）；"
                      "请用小一些的程序，或者少一些点。"),
    # the steps a computation goes through, where the time budget is checked
    "the_forward_pass": ("the forward pass", "前向传播"),
    "the_backward_pass": ("the backward pass", "反向传播"),
    "writing_the_answer": ("writing the answer", "写出回答"),
    "the_local_jacobians": ("the local Jacobians", "局部雅可比矩阵"),
    "the_four_equations": ("the four equations", "四个方程"),
    "the_narration": ("the narration", "讲解"),
    "the_quiz": ("the quiz", "测验题"),
    "the_gradient_check": ("the gradient check", "梯度检验"),
    "writing_the_drawing": ("writing the drawing", "画出计算图"),
    "point_of": ("point {number} of {count}", "第 {number} 个点（共 {count} 个）"),
    "step_of": ("step {number} of {count}", "第 {number} 步（共 {count} 步）"),
    "epoch_number": ("epoch {number}", "第 {number} 轮"),
    "none": ("none", "无"),

    # -- the worker processes and the server (app/server/workers.py, app/server/security.py) ---------------------------------
    "out_of_memory": ("This computation needs more memory than a worker has: the max_worker_mb limit of {limit} MB "
                      "(set by {variable}). Try smaller arrays or fewer options.",
                      "这个计算需要的内存比一个计算进程能用的还多：max_worker_mb 上限 {limit} MB（由 {variable} 设定）。"
                      "请用小一些的数组，或者少选几个选项。"),
    "internal": ("The server failed on this request; it has been logged.", "服务器处理这个请求时出错了；错误已记录下来。"),
    "answer_was_too_big": ("The answer would have been {size:,} bytes, more than the max_answer_bytes limit of "
                           "{limit:,} (set by {variable}). Ask for fewer options or a smaller program.",
                           "回答会有 {size:,} 字节，超过了 max_answer_bytes 上限 {limit:,}（由 {variable} 设定）。"
                           "请少选几个选项，或者用小一些的程序。"),
    "busy_computing": ("The server is busy with {count} large computations; try again in a few seconds.",
                       "服务器正忙于 {count} 个大型计算；请过几秒再试。"),
    "worker_ended": ("The computation ended its worker process ({how}) before answering; usually that means it "
                     "needed more memory than the max_worker_mb limit of {limit} MB (set by {variable}).",
                     "计算还没得出回答，它的计算进程就结束了（{how}）；这通常说明它需要的内存超过了 max_worker_mb 上限 "
                     "{limit} MB（由 {variable} 设定）。"),
    "signal": ("signal {number}", "信号 {number}"),
    "exit_code": ("exit code {number}", "退出码 {number}"),
    "restarting": ("The server is restarting its computing workers; try again in a few seconds.",
                   "服务器正在重启它的计算进程；请过几秒再试。"),
    "over_budget": ("The computation took longer than the max_seconds limit of {seconds} seconds (set by "
                    "{variable}) and was stopped; try a smaller program, fewer points or fewer options.",
                    "计算超过了 max_seconds 上限 {seconds} 秒（由 {variable} 设定），已被停止；"
                    "请用小一些的程序、少一些点，或者少选几个选项。"),
    "too_many_answers": ("The server holds too many large answers right now; try again in a few seconds.",
                         "服务器此刻积压的大型回答太多；请过几秒再试。"),
    "too_many_requests": ("The server is holding too many large requests right now; try again in a few seconds.",
                          "服务器此刻积压的大型请求太多；请过几秒再试。"),
    "body_too_slow": ("The request's body took longer than the body_seconds limit of {seconds:g} seconds (set by "
                      "{variable}) to arrive.",
                      "请求体的传输超过了 body_seconds 上限 {seconds:g} 秒（由 {variable} 设定）。"),
    "body_too_big": ("The request is over the max_body_bytes limit of {limit} bytes (set by {variable}).",
                     "请求超过了 max_body_bytes 上限 {limit} 字节（由 {variable} 设定）。"),

    # -- the GET forms (app/server/api.py) ----------------------------------------------------------------------------
    "values_not_an_object": ('The query parameter values must be a JSON object such as {{"a": 5}}; it is {text!r}.',
                             '查询参数 values 必须是一个 JSON 对象，例如 {{"a": 5}}；现在是 {text!r}。'),
    "bad_query_parameter": ("The query parameter {name} must be a number, nested lists of numbers or (for values) "
                            "a JSON object; it is {text!r}.",
                            "查询参数 {name} 必须是一个数、由数组成的嵌套列表，或者（对 values 而言）一个 JSON 对象；"
                            "现在是 {text!r}。"),
    "plus_in_a_url": (" (In a URL, + stands for a space: write %2B for a plus sign.)",
                      "（在 URL 里，+ 表示空格：加号请写成 %2B。）"),

    # -- training (app/teaching/train.py) -------------------------------------------------------------------------------
    "learning_rate_not_finite": ("The learning rate must be a finite number.", "学习率必须是一个有限的数。"),
    "no_params": ("Name at least one parameter to train, one of the program's inputs.",
                  "请至少指定一个要训练的参数，它必须是程序的输入之一。"),
    "first_step_range": ("first_step counts the steps already taken: from 0 to {largest}, not {first_step}.",
                         "first_step 是已经走过的步数：从 0 到 {largest}，不能是 {first_step}。"),
    "seed_range": ("The seed is a whole number from 0 to {largest}, not {seed}.",
                   "随机种子是 0 到 {largest} 之间的整数，不能是 {seed}。"),
    "cannot_be": ("{name} is not an input of this program, so it cannot be {role}; its inputs are: {inputs}.",
                  "{name} 不是这个程序的输入，所以不能{role}；这个程序的输入是：{inputs}。"),
    "trained": ("trained", "被训练"),
    "used_as_data": ("used as data", "用作数据"),
    "steps_or_epochs": ("Give either steps or epochs: how long to train.", "请给出 steps 或 epochs，说明要训练多久。"),
    "not_both": ("Give either steps or epochs, not both.", "steps 和 epochs 只能给一个，不能都给。"),
    "no_epochs": ("Training takes at least 1 epoch; {epochs} were asked for.",
                  "训练至少要 1 轮；这里要的是 {epochs} 轮。"),
    "train_steps": ("Training takes between 1 and {limit} steps (the max_train_steps limit, set by {variable}); "
                    "{steps} were asked for.",
                    "训练步数在 1 到 {limit} 之间（max_train_steps 上限，由 {variable} 设定）；这里要的是 {steps} 步。"),
    "loss_not_finite": ("The loss is {how} {when}: training stopped. Try a smaller learning rate.",
                        "损失在{when}是{how}：训练已停止。请试试小一些的学习率。"),
    "batch_loss_not_finite": ("The loss of its mini-batch is {how} {when}: training stopped. Try a smaller "
                              "learning rate.",
                              "小批量上的损失在{when}是{how}：训练已停止。请试试小一些的学习率。"),
    "at_the_start": ("at the start", "开始时"),
    "after_step": ("after step {step}", "第 {step} 步之后"),
    "data_is_trained": ("{name} holds the data set, so it cannot also be trained.",
                        "{name} 存放的是数据集，所以不能同时被训练。"),
    "data_is_a_number": ("{name} is a number; a data set is an array with one sample per position of its last "
                         "axis (a column of a matrix).",
                         "{name} 是一个数；数据集是一个数组，它最后一个轴上的每个位置是一个样本（矩阵的一列）。"),
    "sample_counts": ("The data sets must have as many samples each (along their last axis): {counts}.",
                      "各个数据集（沿最后一个轴）的样本数必须相同：{counts}。"),
    "sample_count": ("{name} has {count}", "{name} 有 {count} 个"),
    "batch_size_range": ("batch_size must be between 1 and {samples}, the number of samples; it is {size}.",
                         "batch_size 必须在 1 到样本数 {samples} 之间；现在是 {size}。"),

    # -- numbers that are not finite (app/engine/serialize.py, in warnings and in the errors above) -----------------
    "nan": ("not a number (NaN)", "非数（NaN）"),
    "infinite": ("+∞ (infinite)", "+∞（正无穷大）"),
    "minus_infinite": ("-∞ (minus infinite)", "-∞（负无穷大）"),
    "not_finite_elements": ("not finite in {bad} of its {size} elements", "非有限数（{size} 个元素中有 {bad} 个）"),
    "not_finite_warning": ("The {what} of {label} (node {node}, line {line}, column {column}) is {how}; JSON "
                           "writes it as null, with which it is in the node's nonfinite field.",
                           "{label}（节点 {node}，第 {line} 行第 {column} 列）的{what}是{how}；JSON 把它写成 null，"
                           "它是哪一种写在节点的 nonfinite 字段里。"),
    "value": ("value", "值"),
    "gradient": ("gradient", "梯度"),

    # -- the playground (app/teaching/playground.py) --------------------------------------------------------------------
    "no_such_dataset": ("There is no data set called {name!r}; the data sets are: {names}.",
                        "没有叫 {name!r} 的数据集；可选的数据集有：{names}。"),
    "no_such_activation": ("There is no activation called {name!r}; the activations are: {names}.",
                           "没有叫 {name!r} 的激活函数；可选的激活函数有：{names}。"),
    "too_many_layers": ("The network has {count} hidden layers; the playground takes 0 to {largest}.",
                        "这个网络有 {count} 个隐含层；游乐场只接受 0 到 {largest} 个。"),
    "layer_size": ("Hidden layer {number} has {neurons} neurons; a hidden layer has 1 to {largest} (to have no "
                   "hidden layer, remove it).",
                   "第 {number} 个隐含层有 {neurons} 个神经元；一个隐含层有 1 到 {largest} 个神经元"
                   "（不要这个隐含层的话，就把它去掉）。"),
    "learning_rate_positive": ("The learning rate must be a positive number; it is {rate}.",
                               "学习率必须是正数；现在是 {rate}。"),
    "l2_rate": ("The L2 rate must be zero or a positive number; it is {rate}.", "L2 系数必须是零或正数；现在是 {rate}。"),
    "noise_range": ("The noise is a percentage from 0 to 50; it is {noise}.", "噪声是 0 到 50 之间的百分数；现在是 {noise}。"),
    "point_count": ("The data set has {smallest} to {largest} points; {points} were asked for.",
                    "数据集有 {smallest} 到 {largest} 个点；这里要的是 {points} 个。"),
    "train_percent": ("The share of points used for training is 10 to 90 percent; it is {percent}.",
                      "用于训练的点所占的比例是 10% 到 90%；现在是 {percent}。"),
    "batch_size": ("The batch size is 1 to the number of points ({points}); it is {size}.",
                   "批大小在 1 到点数（{points}）之间；现在是 {size}。"),
    "playground_seed": ("The seed is a whole number from 0 to {largest}; it is {seed}.",
                        "随机种子是 0 到 {largest} 之间的整数；现在是 {seed}。"),
    "weights_of_network": ("The weights of a {network} network are {expected}: {problem}. Send no weights to start "
                           "from the seed's.",
                           "{network} 网络的权重是 {expected}：{problem}。不发送权重，就从随机种子给出的权重开始。"),
    "weight_not_one_of_them": ("{name} is not one of them", "{name} 不在其中"),
    "weight_missing": ("{name} is missing", "缺少 {name}"),
    "weight_shape": ("The weights of a {network} network are {expected}; {name} is not {shape} numbers.",
                     "{network} 网络的权重是 {expected}；{name} 不是 {shape} 的数组。"),
    "weight_not_finite": ("{name} has a value that is not finite: start again from the seed's weights.",
                          "{name} 有一个值不是有限数：请从随机种子给出的权重重新开始。"),
    "epochs_per_request": ("One request trains 0 to {largest} epochs; {epochs} were asked for.",
                           "一次请求训练 0 到 {largest} 轮；这里要的是 {epochs} 轮。"),
    "epoch_count": ("The epoch count is a whole number from 0; it is {epoch}.", "轮数是从 0 起的整数；现在是 {epoch}。"),
    "too_many_updates": ("{epochs} epochs of {batches} batches are {steps} steps of gradient descent, more than the "
                         "{largest} one request may take: ask for fewer epochs at a time.",
                         "{epochs} 轮、每轮 {batches} 个批次，一共 {steps} 步梯度下降，超过了一次请求最多能走的 "
                         "{largest} 步：请每次少要几轮。"),
    "diverged": ("Training diverged: in epoch {epoch} {what}. The learning rate {rate:g} is too large for this "
                 "network: try a smaller one.",
                 "训练发散了：在第 {epoch} 轮，{what}。学习率 {rate:g} 对这个网络太大了：请试试小一些的。"),
    "weight_became": ("{name} became {how}", "{name} 变成了{how}"),
    "the_loss_became": ("the loss became {how}", "损失变成了{how}"),
    "no_such_subset": ("A point is in the train or the test set, not {subset!r}.",
                       "一个点要么在训练集（train），要么在测试集（test），不能是 {subset!r}。"),
    "no_such_point": ("The {subset} set has points 0 to {last}; there is no point {index}.",
                      "{subset}集的点是 0 到 {last} 号；没有 {index} 号点。"),
    "train": ("train", "训练"),
    "test": ("test", "测试"),
}


class _Formatter(string.Formatter):
    """str.format, plus ``!c``: the phrase capitalised, where it starts an English sentence."""

    def convert_field(self, value, conversion):
        if conversion == "c":
            text = str(value)
            return text[:1].upper() + text[1:]  # not str.capitalize, which lowers the rest: the name 'Q'
        return super().convert_field(value, conversion)


_FORMATTER = _Formatter()


def say(key: str, **facts) -> Text:
    """The message ``key`` with its facts filled in, in both languages."""
    en, zh = MESSAGES[key]
    return Text(_FORMATTER.format(en, **{name: _words(fact, "en") for name, fact in facts.items()}),
                _FORMATTER.format(zh, **{name: _words(fact, "zh") for name, fact in facts.items()}))


def _words(fact, language: str):
    """A fact as it goes into a sentence in ``language``: a phrase in that language, anything else as it is."""
    return getattr(fact, language) if fact.__class__ is Text else fact


COMMA = Text(", ", "、")
AND = Text(" and ", " 和 ")
NOTHING = Text("", "")  # an optional phrase left out


def listing(items: Iterable, separator: Text = COMMA) -> Text:
    """Names, numbers or phrases in a row: "a, b, c" and "a、b、c"; "none" and "无" when there are none."""
    items = list(items)
    if not items:
        return say("none")
    return Text(separator.en.join(str(_words(item, "en")) for item in items),
                separator.zh.join(str(_words(item, "zh")) for item in items))


# -- a request that is not what the API's schema asks for (422), and a path or method it does not have ---------
# pydantic writes the English (an error's `msg`); these are its sentences in Chinese, by the error's `type`, with
# the same facts: where in the request (`where`) and the error's context (the bound it broke, the JSON error).
REQUEST_ERRORS_ZH: dict[str, str] = {
    "missing": "缺少 {where}：这一项必须给出。",
    "string_type": "{where} 应当是字符串。",
    "float_type": "{where} 应当是数。",
    "float_parsing": "{where} 应当是数。",
    "int_type": "{where} 应当是整数。",
    "int_parsing": "{where} 应当是整数。",
    "int_from_float": "{where} 应当是整数，不能有小数部分。",
    "bool_type": "{where} 应当是布尔值（true 或 false）。",
    "bool_parsing": "{where} 应当是布尔值（true 或 false）。",
    "list_type": "{where} 应当是数组。",
    "dict_type": "{where} 应当是对象（{{…}}）。",
    "model_type": "{where} 应当是 JSON 对象（{{…}}）。",
    "model_attributes_type": "{where} 应当是 JSON 对象（{{…}}）。",
    "json_invalid": "请求体不是合法的 JSON：{error}。",
    "json_type": "{where} 应当是 JSON 文本。",
    "body_unreadable": "请求体无法读取：{msg}",
    "literal_error": "{where} 只能是 {expected}。",
    "enum": "{where} 只能是 {expected}。",
    "greater_than": "{where} 应当大于 {gt}。",
    "greater_than_equal": "{where} 应当大于或等于 {ge}。",
    "less_than": "{where} 应当小于 {lt}。",
    "less_than_equal": "{where} 应当小于或等于 {le}。",
    "finite_number": "{where} 应当是有限的数（不能是 inf 或 nan）。",
    "string_too_short": "{where} 至少要有 {min_length} 个字符。",
    "string_too_long": "{where} 最多 {max_length} 个字符。",
    "too_short": "{where} 至少要有 {min_length} 项。",
    "too_long": "{where} 最多 {max_length} 项。",
    "value_error": "{where} 的值不合要求：{msg}",
}
HTTP_ERRORS_ZH: dict[int, str] = {
    404: "找不到 {path}：这个地址不存在（API 的地址见 /docs）。",
    405: "{path} 不接受 {method} 请求（各地址接受的请求见 /docs）。",
}
_TYPE_TAGS = {"float", "int", "bool", "str", "list", "dict"}  # pydantic names a union's member in an error's loc


def request_error_zh(item: dict) -> str:
    """A pydantic error item (with its context) in Chinese, with the same facts as its English ``msg``."""
    where = ".".join(str(part) for i, part in enumerate(item["loc"])
                     if not (i == 0 and part in ("body", "query"))
                     and not (isinstance(part, str) and ("[" in part or part in _TYPE_TAGS and i == len(item["loc"]) - 1)))
    template = REQUEST_ERRORS_ZH.get(item["type"], "{where} 不符合要求：{msg}")
    return template.format(where=where or "请求体", msg=item["msg"], **(item.get("ctx") or {}))


def http_error_zh(status: int, path: str, method: str) -> str | None:
    template = HTTP_ERRORS_ZH.get(status)
    return template and template.format(path=path, method=method)
