#!/usr/bin/env python3
"""Fails if a source file of the crates under src/ is over 400 lines or a function over 80 (each
crate's tests/ aside, and a file's own #[cfg(test)] module). Small rooms: a file holds one
concern and a function one step, so a reader finds and follows each (README.md, "Layout")."""
import pathlib
import re
import sys

MAX_FILE, MAX_FN = 400, 80
FN = re.compile(r'\s*(pub(\([a-z]+\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)')
# String and char literals and line comments, whose braces do not count.
NOISE = re.compile(r'"([^"\\]|\\.)*"|\'([^\'\\]|\\.)\'|//.*')


def offenders(root):
    for path in sorted(pathlib.Path(root).rglob('*.rs')):
        if 'tests' in path.parts:
            continue
        lines = path.read_text(errors='replace').splitlines()
        end = next((i for i, line in enumerate(lines) if line.strip() == '#[cfg(test)]'), len(lines))
        if end > MAX_FILE:
            yield f'{path}: {end} lines (at most {MAX_FILE})'
        i = 0
        while i < end:
            match = FN.match(lines[i])
            if not match:
                i += 1
                continue
            depth, j, opened = 0, i, False
            while j < end:
                code = NOISE.sub('', lines[j])
                depth += code.count('{') - code.count('}')
                opened = opened or '{' in code
                if (opened and depth <= 0) or (not opened and code.rstrip().endswith(';')):
                    break
                j += 1
            if opened and j - i + 1 > MAX_FN:
                yield f'{path}:{i + 1}: fn {match.group(6)} is {j - i + 1} lines (at most {MAX_FN})'
            i = j + 1 if opened else i + 1


found = list(offenders(sys.argv[1] if len(sys.argv) > 1 else 'src'))
for line in found:
    print(f'[sizes] {line}', file=sys.stderr)
if found:
    sys.exit(1)
print(f'[sizes] no source file over {MAX_FILE} lines, no function over {MAX_FN}')
