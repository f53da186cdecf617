"""The classroom's sentences for its error answers and its pages, in English and Chinese (each fact, a number or
a code, in both)."""

from __future__ import annotations

from ...words.messages import Text

MESSAGES: dict[str, tuple[str, str]] = {
    "no_such_class": ("There is no class {code} on this server: the code may be mistyped, or the class has ended "
                      "(a class ends {hours} hours after its instructor was last seen).",
                      "这台服务器上没有代码为 {code} 的课堂：代码可能输错了，或课堂已经结束（讲师 {hours} 小时没有出现，课堂就会结束）。"),
    "too_many_guesses": ("Too many wrong class codes from your address: wait {seconds} seconds and try again.",
                         "你的地址输入了太多错误的课堂代码：请等 {seconds} 秒再试。"),
    "too_many_classes": ("This server already holds {limit} classes, its limit: end a class, or try again later.",
                         "这台服务器已有 {limit} 个课堂，达到上限：请结束一个课堂，或稍后再试。"),
    "too_many_starts": ("Too many classes started from your address: wait {seconds} seconds and try again.",
                        "从你的地址开始的课堂太多：请等 {seconds} 秒再试。"),
    "class_full": ("This class is full: it has {limit} students, its limit.",
                   "这个课堂已满：已有 {limit} 名学生，达到上限。"),
    "too_many_tries": ("You have answered this question {limit} times, the most a student may.",
                       "这道题你已经回答了 {limit} 次，达到每名学生的上限。"),
    "not_the_instructor": ("Only the instructor's link can do this: the students' link follows the class.",
                           "只有讲师的链接可以这样做：学生的链接只能跟随课堂。"),
    "not_a_student": ("This page has not joined class {code}: reload it to join.",
                      "这个页面还没有加入课堂 {code}：请重新加载页面加入。"),
    "no_such_question": ("That question is no longer asked: answer the one on screen.",
                         "这道题已经不再提问：请回答屏幕上的那道题。"),
    "too_many_streams": ("The server follows {limit} live pages already, its limit: try again in a minute.",
                         "服务器已经在跟随 {limit} 个实时页面，达到上限：请一分钟后再试。"),
    "too_many_streams_here": ("Your address already follows {limit} live pages, its limit.",
                              "你的地址已经在跟随 {limit} 个实时页面，达到上限。"),
    "store_away": ("The class's store (Redis) cannot be reached just now; the page reconnects by itself.",
                   "暂时连不上课堂的存储（Redis）；页面会自动重新连接。"),
    "array_question": ("Ask the class about a number: node {node} holds an array.",
                       "请就一个数提问：节点 {node} 是一个数组。"),
}


def class_text(key: str, **facts) -> Text:
    """A classroom message (a table of its own until the words move into the catalogues), with its facts."""
    en, zh = MESSAGES[key]
    return Text(en.format(**facts), zh.format(**facts))
