"""What the guard scripts share: the stages CMakeLists.txt declares, the files of a stage, and a
C++ lexer good enough to find #include lines and calls outside comments and string literals.

Standard library only (run with /usr/bin/python3)."""

import os
import re

SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc")


class Stage:
    def __init__(self, name, deps, line):
        self.name = name
        self.deps = deps  # the DEPS words as written: rw_<stage> or an imported target
        self.line = line  # line of the relaywatch_stage(...) call in CMakeLists.txt


def _strip_cmake_comments(text):
    # CMake comments run from an unquoted # to the end of the line; the lines parsed here have no
    # quoted #, so a plain cut is enough. Newlines stay, so line numbers do too.
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))


def read_cmake(root):
    """Returns (stages in declaration order, pure stage names, CMakeLists.txt path).

    Stages are the relaywatch_stage(NAME [DEPS ...]) calls; the pure stages are the words of
    set(RELAYWATCH_PURE_STAGES ...)."""
    path = os.path.join(root, "CMakeLists.txt")
    with open(path, encoding="utf-8") as f:
        text = _strip_cmake_comments(f.read())
    stages = []
    for m in re.finditer(r"^[ \t]*relaywatch_stage\s*\(([^)]*)\)", text, re.M):
        words = m.group(1).split()
        line = text.count("\n", 0, m.start()) + 1
        if not words:
            raise SystemExit(f"{path}:{line}: relaywatch_stage() without a name")
        deps = []
        if len(words) > 1:
            if words[1] != "DEPS":
                raise SystemExit(f"{path}:{line}: relaywatch_stage({words[0]} ...): expected DEPS "
                                 f"after the name, got {words[1]}")
            deps = words[2:]
        stages.append(Stage(words[0], deps, line))
    m = re.search(r"^[ \t]*set\s*\(\s*RELAYWATCH_PURE_STAGES\b([^)]*)\)", text, re.M)
    if not m:
        raise SystemExit(f"{path}: no set(RELAYWATCH_PURE_STAGES ...) line")
    return stages, m.group(1).split(), path


def stage_files(root, stage):
    """The sources and headers of a stage: src/<stage>/ and include/relaywatch/<stage>/, sorted,
    as paths relative to root."""
    out = []
    for top in (os.path.join("src", stage), os.path.join("include", "relaywatch", stage)):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def stage_of(relpath):
    """The stage a file belongs to (from src/<stage>/ or include/relaywatch/<stage>/), or None."""
    parts = relpath.split(os.sep)
    if len(parts) >= 3 and parts[0] == "src":
        return parts[1]
    if len(parts) >= 4 and parts[0] == "include" and parts[1] == "relaywatch":
        return parts[2]
    return None


def lex(text):
    """Returns (no_comments, code): `text` with comments blanked, and with comments, string and
    character literals blanked. Newlines are kept, so line numbers match the file."""
    nc = []  # comments blanked
    code = []  # comments and literals blanked
    i, n = 0, len(text)

    def blank(s):
        return "".join(c if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            nc.append(blank(text[i:j]))
            code.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            nc.append(blank(text[i:j]))
            code.append(blank(text[i:j]))
            i = j
        elif c == '"' or (c == "'" and not _digit_separator(text, i)):
            j = _literal_end(text, i)
            nc.append(text[i:j])
            code.append(c + blank(text[i + 1:j - 1]) + text[j - 1] if j - i >= 2 else blank(
                text[i:j]))
            i = j
        else:
            nc.append(c)
            code.append(c)
            i += 1
    return "".join(nc), "".join(code)


def _digit_separator(text, i):
    # 1'000'000 and 0xFF'FF: a quote inside a pp-number, whose token starts with a digit.
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "_'."):
        j -= 1
    return j < i and text[j].isdigit()


def _literal_end(text, i):
    """Index just past the string or character literal that starts at text[i]."""
    quote = text[i]
    if quote == '"':
        m = re.search(r"(?:u8|u|U|L)?R$", text[max(0, i - 3):i])
        if m and (i - len(m.group(0)) == 0 or not (text[i - len(m.group(0)) - 1].isalnum()
                                                  or text[i - len(m.group(0)) - 1] == "_")):
            # Raw string: R"delim( ... )delim"
            open_paren = text.find("(", i)
            if open_paren > 0:
                delim = text[i + 1:open_paren]
                close = text.find(")" + delim + '"', open_paren)
                if close >= 0:
                    return close + len(delim) + 2
    j = i + 1
    n = len(text)
    while j < n:
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        if text[j] == "\n":  # unterminated: stop at the line's end
            return j
        j += 1
    return n


INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]', re.M)


def includes(no_comments):
    """(line, kind, name) of every #include: kind is '<' or '"'."""
    out = []
    for m in INCLUDE_RE.finditer(no_comments):
        out.append((no_comments.count("\n", 0, m.start()) + 1, m.group(1), m.group(2).strip()))
    return out


def read_source(root, relpath):
    with open(os.path.join(root, relpath), encoding="utf-8", errors="replace") as f:
        return f.read()
