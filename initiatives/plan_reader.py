"""Reading a plan file (YAML or JSON) into plain data, with bounded cost and no guessed types.

Free of Django: it knows nothing of models. What it guarantees:

- Unquoted YAML scalars are not typed by YAML 1.1's rules (which read `0101` as 65, `1.10` as
  1.1, `12:30` as 750, `no` as False, `2024-01-02` as a date). Each one comes back as
  `Plain`, a `str` holding the text exactly as written; JSON numbers come back as `Number`
  (a `Plain`) with their text. The caller decides what the text means from the field it is
  in (kpi/plan_io.py does: codes stay text, integers must be written as decimal integers).
- Cost is bounded before anything is built: the file's size (MAX_BYTES), the nesting depth
  (MAX_DEPTH) and the number of nodes once every alias is expanded (MAX_NODES, which stops
  "billion laughs" alias bombs); recursive aliases are refused.
- Text holds no character a database cannot store or that no one can see: NUL and other C0
  controls except tab and line breaks, and lone surrogates (from `\\ud800` escapes).

Errors: ReadError(message, line) with a Japanese message for the person who wrote the file.
"""

from __future__ import annotations

import json
import re

import yaml

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32  # a plan record is 5 levels deep; JSON fields inside it add a few
MAX_NODES = 1_000_000  # a 5 MB plan file of ordinary records has about 700,000

_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class Plain(str):
    """An unquoted YAML scalar: its text exactly as written, type not yet decided."""

    __slots__ = ()


class Number(Plain):
    """A JSON number: its text exactly as written."""

    __slots__ = ()


class ReadError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml also caps nesting at 1000


class _Loader(_Base):  # type: ignore[misc, valid-type]
    # No implicit typing at all except the merge key `<<`: every plain scalar is a string.
    yaml_implicit_resolvers: dict = {}


_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    # PyYAML marks a plain scalar's style None, libyaml ""; quoted ones are ' or ".
    return Plain(value) if not node.style else value


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_graph(root: yaml.Node) -> None:
    """Refuse a node graph that is too deep, too large once aliases expand, or recursive.

    Iterative (no recursion to overflow) and linear in the number of distinct nodes: a shared
    node's expanded size is computed once and added wherever an alias repeats it.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            line = node.start_mark.line + 1 if node.start_mark else None
            if size[key] > MAX_NODES:
                raise ReadError(
                    f"要素が多すぎます（別名 * の展開を含めて{MAX_NODES:,}個まで）。", line
                )
            if depth[key] > MAX_DEPTH:
                raise ReadError(f"入れ子が深すぎます（{MAX_DEPTH}段まで）。", line)
            continue
        if key in size:
            continue
        if key in open_:
            raise ReadError("別名（*）が自分自身を含んでいます。", node.start_mark.line + 1)
        open_.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in open_:
                raise ReadError("別名（*）が自分自身を含んでいます。", kid.start_mark.line + 1)
            if id(kid) not in size:
                stack.append((kid, False))


def _check_depth(data: object) -> None:
    """JSON has no aliases; only its depth needs a bound (before anything recurses over it)."""
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if level > MAX_DEPTH:
            raise ReadError(f"入れ子が深すぎます（{MAX_DEPTH}段まで）。")
        if isinstance(item, dict):
            stack += [(v, level + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, level + 1) for v in item]


def check_text(data: object) -> str | None:
    """The first string (key or value) holding a character we refuse, described; or None."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            bad = _BAD_CHAR.search(item)
            if bad:
                code = ord(bad.group())
                kind = "サロゲート" if 0xD800 <= code <= 0xDFFF else "制御文字"
                return f"使えない文字（{kind} U+{code:04X}）が含まれています: {item[:40]!r}"
        elif isinstance(item, dict):
            stack += list(item.keys()) + list(item.values())
        elif isinstance(item, list | tuple):
            stack += list(item)
    return None


# The parser's own words (English, from PyYAML/libyaml) → what to do, in Japanese. The original
# stays only as a hint after it; an unknown problem gets the general message and the hint.
_YAML_PROBLEMS = [
    (
        "did not find expected ',' or ']'",
        "角括弧 [ ] の閉じ忘れか、区切りの「,」の抜けがあります。",
    ),
    (
        "did not find expected ',' or '}'",
        "波括弧 { } の閉じ忘れか、区切りの「,」の抜けがあります。",
    ),
    ("tab character", "字下げにタブ文字は使えません。空白で字下げしてください。"),
    ("'\\t' that cannot start", "字下げにタブ文字は使えません。空白で字下げしてください。"),
    (
        "mapping values are not allowed",
        "「:」の位置が正しくありません（値に「: 」を含めるときは引用符で囲んでください）。",
    ),
    ("found undefined alias", "定義されていない別名（*）を使っています。"),
    ("did not find expected key", "字下げがそろっていないか、項目の書き方に誤りがあります。"),
    ("expected <block end>", "字下げがそろっていないか、項目の書き方に誤りがあります。"),
    (
        "found unexpected end of stream",
        "引用符か括弧が閉じられないまま、ファイルが終わっています。",
    ),
    ("found duplicate anchor", "同じ名前のアンカー（&）が2つあります。"),
    (
        "invalid Unicode character escape",
        "文字として扱えないエスケープ（\\uD800 など）があります。",
    ),
    ("unknown escape character", "使えないエスケープ（\\ の後の文字）があります。"),
]
YAML_SYNTAX = "YAMLの書き方に誤りがあります{where}。{what}（解析器の説明: {hint}）"
YAML_CHARACTER = "YAMLに使えない文字（{kind} U+{code:04X}）があります{where}。その文字を消して保存し直してください。"
YAML_TAG = (
    "YAMLに使えないタグ「{tag}」があります{where}。「!!」で始まる型の指定は使わずに書いてください。"
)
YAML_TAGGED_VALUE = (
    "YAMLで型を指定した値（!!int、!!float など）を読めません。「!!」の指定を外して書いてください。"
    "（解析器の説明: {hint}）"
)
JSON_SYNTAX = "JSONの書き方に誤りがあります（{line}行{column}列）。括弧・引用符・「,」を確かめてください。（解析器の説明: {hint}）"


def _where(line: int | None, column: int | None) -> str:
    return f"（{line}行{column}列）" if line is not None else ""


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def yaml_error_message(err: yaml.YAMLError, text: str) -> tuple[str, int | None]:
    """(Japanese message, line) for a PyYAML/libyaml error: what is wrong and where (line and
    column from the parser's mark, or from the reader's position), the parser's own English
    words only as a hint."""
    if isinstance(err, yaml.reader.ReaderError):
        line, column = _line_column(text, err.position)
        code = err.character if isinstance(err.character, int) else ord(str(err.character)[:1])
        kind = "制御文字" if code < 32 or code == 0x7F else "文字として扱えない符号"
        where = _where(line, column)
        return YAML_CHARACTER.format(kind=kind, code=code, where=where), line
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    problem = str(getattr(err, "problem", None) or err)
    tag = re.search(r"tag '([^']+)'", problem)
    if isinstance(err, yaml.constructor.ConstructorError) and tag:
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return YAML_TAG.format(tag=shown[:80], where=_where(line, column)), line
    what = next((jp for words, jp in _YAML_PROBLEMS if words in problem), "")
    hint = problem.splitlines()[0][:200]
    return YAML_SYNTAX.format(where=_where(line, column), what=what, hint=hint), line


def _reject_constant(name: str):
    raise ValueError(f"{name} は数として使えません")


def parse(content: bytes, kind: str) -> object:
    """The data of a plan file: `kind` is "yaml" or "json"; ReadError saying why not."""
    if len(content) > MAX_BYTES:
        raise ReadError(f"ファイルが大きすぎます（{MAX_BYTES // (1024 * 1024)}MBまで）。")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ReadError(
            f"文字コードがUTF-8ではありません（{err.start}バイト目）。UTF-8で保存し直してください。"
        ) from None
    if kind == "json":
        try:
            data = json.loads(
                text, parse_int=Number, parse_float=Number, parse_constant=_reject_constant
            )
        except json.JSONDecodeError as err:
            raise ReadError(
                JSON_SYNTAX.format(line=err.lineno, column=err.colno, hint=err.msg), err.lineno
            ) from None
        except ValueError as err:  # NaN, Infinity
            raise ReadError(f"JSONの値を読めません: {err}") from None
        except RecursionError:
            raise ReadError(f"入れ子が深すぎます（{MAX_DEPTH}段まで）。") from None
        _check_depth(data)
    else:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_graph(node)
            data = loader.construct_document(node)
        except yaml.YAMLError as err:
            raise ReadError(*yaml_error_message(err, text)) from None
        except RecursionError:  # the pure-Python parser, where libyaml is missing
            raise ReadError(f"入れ子が深すぎます（{MAX_DEPTH}段まで）。") from None
        except (ValueError, TypeError, OverflowError) as err:  # explicit tags: !!int x, !!float
            raise ReadError(YAML_TAGGED_VALUE.format(hint=str(err)[:200])) from None
        finally:
            loader.dispose()
    bad = check_text(data)
    if bad:
        raise ReadError(bad)
    return data
