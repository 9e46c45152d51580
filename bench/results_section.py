"""One "## Heading" section of bench/RESULTS.md, replaced in place.

Each benchmark script owns one section of RESULTS.md and rewrites only that one: the
section runs from its heading to the next "## " heading; everything before and after is
kept. A section not yet in the file is appended. The bench scripts' inline Python
imports this (bench/ is on PYTHONPATH, set by the scripts).
"""


def replace_section(path, heading, section):
    """Writes `section` (text starting with `heading`) in place of the file's old one."""
    assert section.startswith(heading + "\n"), "a section starts with its own heading"
    section = section.rstrip("\n") + "\n"
    try:
        prev = open(path).read()
    except OSError:
        prev = ""
    start = prev.find("\n" + heading + "\n")
    if prev.startswith(heading + "\n"):
        head, after = "", prev
    elif start >= 0:
        head, after = prev[:start + 1], prev[start + 1:]
    else:
        head, after = prev, ""
    rest = ""
    if after:
        nxt = after.find("\n## ", 1)
        rest = after[nxt + 1:] if nxt >= 0 else ""
    head = head.rstrip("\n") + "\n\n" if head.strip() else ""
    with open(path, "w") as f:
        f.write(head + section + ("\n" + rest if rest else ""))
