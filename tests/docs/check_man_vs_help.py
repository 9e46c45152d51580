#!/usr/bin/env python3
"""The manual pages document exactly what the program accepts (issue 4, Documentation).

    check_man_vs_help.py LEASEDNS_BINARY MAN_DIR

1. Flags: every long option that `leasedns --help` lists has an entry (an .It line) in
   leasedns(8), and every option the page names (`Fl -name` anywhere) is one --help lists.
   Where an entry gives a short form next to the long one, it is the short form --help
   gives for that option.
2. TOML keys: every key the configuration loader accepts, at every level, appears in
   leasedns.toml(5) in the section of its table (`.Ss Top level`, `.Ss [dhcp]`,
   `.Ss [[dhcp.ranges]]`, ...) as an `Ic` name on an .It line, and every key the page lists
   there is accepted. The accepted keys are asked of the binary itself, not read from its
   source: a file with an unknown key in a table is refused with the list of the keys
   allowed there (src/config/toml_file.cpp), and each key that is itself a table or an
   array of tables is probed the same way.

Prints every mismatch and exits 1 if there is any; 0 when the pages and the program agree.
"""
import os
import re
import subprocess
import sys
import tempfile

PROBE = "zz_undocumented_probe"


def fail_usage():
    print(__doc__, file=sys.stderr)
    sys.exit(2)


# ---- flags ---------------------------------------------------------------------------

HELP_LINE = re.compile(r"^\s{2,}(?:-([A-Za-z0-9]), )?--([a-z0-9][a-z0-9-]*)")


def help_flags(binary):
    """{long name: short letter or None} from the option lines of --help."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        sys.exit("leasedns --help exited %d: %s" % (out.returncode, out.stderr.strip()))
    flags = {}
    for line in out.stdout.splitlines():
        m = HELP_LINE.match(line)
        if m:
            flags[m.group(2)] = m.group(1)
    if len(flags) < 10:
        sys.exit("could not read the option list of leasedns --help:\n" + out.stdout)
    return flags


def man_tokens(line):
    """mdoc line -> tokens, quoted strings kept whole."""
    return [t.strip('"') for t in re.findall(r'"[^"]*"|\S+', line)]


def man_flags(page):
    """(names anywhere in the page, {long name: set of short letters on its .It lines}).

    `Fl -name` is --name and `Fl x` is -x; after `Fl`, further bare `-word` tokens
    (`Fl -test | -print-config`) are flags too."""
    anywhere, entries = set(), {}
    for line in open(page, encoding="utf-8"):
        if not line.startswith("."):
            continue
        toks = man_tokens(line.rstrip("\n"))
        longs, shorts = [], []
        in_fl = False
        for t in toks:
            if t == "Fl":
                in_fl = True
                continue
            if in_fl and t.startswith("-") and len(t) > 1:
                name = t[1:]
                # "-name=" spellings do not occur: Ns = Ns splits them off.
                if len(name) > 1 or not name.isalnum():
                    longs.append(name)
                continue
            if in_fl and len(t) == 1 and t.isalnum():
                shorts.append(t)
                in_fl = False
                continue
            if t in ("|", ","):
                continue
            in_fl = False
        anywhere.update(longs)
        if toks and toks[0] == ".It":
            for name in longs:
                entries.setdefault(name, set()).update(shorts)
    return anywhere, entries


def check_flags(binary, page):
    problems = []
    helps = help_flags(binary)
    anywhere, entries = man_flags(page)
    name = os.path.basename(page)
    for flag in sorted(helps):
        if flag not in entries:
            problems.append("%s: --%s is in leasedns --help but has no .It entry" % (name, flag))
    for flag in sorted(anywhere):
        if flag not in helps:
            problems.append("%s: names --%s, which leasedns --help does not list" % (name, flag))
    for flag, shorts in sorted(entries.items()):
        want = helps.get(flag)
        for s in sorted(shorts):
            # One .It line may document two options (-k, --keep-in-foreground, -d,
            # --no-daemon): a short letter is right if it is any of the line's options'.
            owners = [f for f, short in helps.items() if short == s]
            if want != s and not any(o in entries and s in entries[o] for o in owners):
                problems.append("%s: the entry of --%s gives -%s; leasedns --help gives %s"
                                % (name, flag, s, "-" + want if want else "no short form"))
    return problems, len(helps)


# ---- TOML keys -------------------------------------------------------------------------


class Prober:
    """Asks the binary which keys a table accepts, through its unknown-key error."""

    def __init__(self, binary, tmp):
        self.binary, self.tmp, self.runs = binary, tmp, 0

    def error_for(self, toml_text):
        self.runs += 1
        path = os.path.join(self.tmp, "probe-%d.toml" % self.runs)
        with open(path, "w") as f:
            f.write(toml_text)
        out = subprocess.run([self.binary, "--config", path, "--test"], capture_output=True,
                             text=True, timeout=30)
        return out.stdout + out.stderr

    @staticmethod
    def header(path, array):
        if not path:
            return ""
        return ("[[%s]]\n" if array else "[%s]\n") % path

    def allowed(self, path, array=False):
        """The keys the table at `path` accepts, or None if it is not such a table."""
        text = self.error_for(self.header(path, array) + PROBE + " = 1\n")
        m = re.search(r"unknown key \(allowed[^:]*: ([a-z0-9_, ]+)\)", text)
        return [k.strip() for k in m.group(1).split(",")] if m else None

    def walk(self, path="", array=False, found=None):
        """{table path: (is array of tables, [keys])} for the whole tree."""
        found = {} if found is None else found
        keys = self.allowed(path, array)
        if keys is None:
            sys.exit("probing [%s]: leasedns did not answer with the list of allowed keys:\n%s"
                     % (path, self.error_for(self.header(path, array) + PROBE + " = 1\n")))
        found[path] = (array, keys)
        if array:
            return found  # the keys of an array's entries are values, not tables
        for k in keys:
            child = k if not path else path + "." + k
            text = self.error_for("[%s]\n%s = 1\n" % (child, PROBE))
            if "unknown key (allowed in [%s]" % child in text:
                self.walk(child, False, found)
            elif "%s: expected an array of tables" % child in text:
                self.walk(child, True, found)
        return found


SECTION = re.compile(r"^\.Ss\s+(.*)$")


def man_sections(page):
    """{table path: set of keys} from leasedns.toml(5): `.Ss Top level`, `.Ss [dhcp]`,
    `.Ss [[dhcp.ranges]]`; keys are the `Ic` names on .It lines (`Ic a , b No ...`)."""
    sections = {}
    current = None
    for line in open(page, encoding="utf-8"):
        line = line.rstrip("\n")
        m = SECTION.match(line)
        if m:
            title = m.group(1).strip().strip('"')
            t = re.fullmatch(r"\[\[?([a-z0-9_.]+)\]\]?", title)
            if title.lower() == "top level":
                current = ""
            elif t:
                current = t.group(1)
            else:
                current = None
            if current is not None:
                sections.setdefault(current, set())
            continue
        if line.startswith(".Sh"):
            current = None
            continue
        if current is None or not line.startswith(".It"):
            continue
        toks = man_tokens(line)
        in_ic = False
        for t in toks[1:]:
            if t == "Ic":
                in_ic = True
            elif in_ic and re.fullmatch(r"[a-z0-9_]+", t):
                sections[current].add(t)
            elif in_ic and t == ",":
                continue
            else:
                in_ic = False
    return sections


def check_keys(binary, page):
    problems = []
    name = os.path.basename(page)
    with tempfile.TemporaryDirectory(prefix="leasedns-man-") as tmp:
        tree = Prober(binary, tmp).walk()
    sections = man_sections(page)

    def shown(path):
        return "Top level" if not path else path

    nkeys = 0
    for path, (array, keys) in sorted(tree.items()):
        title = "[[%s]]" % path if array else ("[%s]" % path if path else "Top level")
        if path not in sections:
            problems.append("%s: no section .Ss %s for the table the loader reads there"
                            % (name, title))
            continue
        for k in keys:
            child = k if not path else path + "." + k
            if child in tree:
                continue  # a table: documented by its own section
            nkeys += 1
            if k not in sections[path]:
                problems.append("%s: key %s (in %s) is accepted but not documented"
                                % (name, child, shown(path)))
        for k in sorted(sections[path]):
            if k not in keys:
                problems.append("%s: documents %s in %s, which the loader does not accept"
                                % (name, k, shown(path)))
    for path in sorted(sections):
        if path not in tree:
            problems.append("%s: section for [%s], a table the loader does not read"
                            % (name, path))
    return problems, nkeys, len(tree)


def main():
    if len(sys.argv) != 3:
        fail_usage()
    binary, man_dir = sys.argv[1], sys.argv[2]
    flag_problems, nflags = check_flags(binary, os.path.join(man_dir, "leasedns.8"))
    key_problems, nkeys, ntables = check_keys(binary, os.path.join(man_dir, "leasedns.toml.5"))
    problems = flag_problems + key_problems
    for p in problems:
        print(p)
    print("checked %d options of leasedns --help against leasedns(8) and %d keys in %d tables "
          "against leasedns.toml(5): %d mismatches" % (nflags, nkeys, ntables, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
