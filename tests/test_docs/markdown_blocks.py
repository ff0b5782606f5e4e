"""Read the project's Markdown pages: tested code blocks, relative links, heading anchors.

Convention: a fenced code block whose info string is exactly ``bash tested`` (three
backticks, then ``bash tested``) is a command that ``tests/test_docs`` runs. Only mark
commands that finish in seconds on a 2-core CPU.
"""
import glob
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Set, Tuple

#: Info string of a block that the doc tests run.
TESTED_INFO = 'bash tested'
#: Pages searched for tested blocks and checked for links (relative to the repository).
DOC_PATTERNS = ('README.md', 'CONTRIBUTING.md', 'configs/README.md', 'docs/**/*.md')

_FENCE = re.compile(r'^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$')
_HEADING = re.compile(r'^#{1,6}[ \t]+(?P<text>.*?)[ \t]*#*[ \t]*$')
_INLINE_CODE = re.compile(r'(`+)(?:(?!\1).)+?\1')
_INLINE_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)>?'
                          r'(?:\s+"[^"]*")?\s*\)')
_REFERENCE_DEF = re.compile(r'^[ ]{0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(?:\s.*)?$')
_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:')


class CodeBlock(NamedTuple):
    """A fenced code block.

    Attributes:
        path (str): page path relative to the repository root.
        line (int): 1-based line of the opening fence.
        end_line (int): 1-based line of the closing fence (the last line if unclosed).
        info (str): info string (stripped), e.g. ``'bash tested'``.
        code (str): the block's content, fence indentation removed.
    """

    path: str
    line: int
    end_line: int
    info: str
    code: str

    @property
    def location(self) -> str:
        """``path:line``, the test id and the place to fix."""
        return f'{self.path}:{self.line}'


def doc_files(repo_root: str) -> List[str]:
    """Sorted absolute paths of every page matched by :data:`DOC_PATTERNS`."""
    found: Set[str] = set()
    for pattern in DOC_PATTERNS:
        found.update(glob.glob(osp.join(repo_root, pattern), recursive=True))
    return sorted(p for p in found if osp.isfile(p))


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return (len(stripped) >= len(fence) and set(stripped) == {fence[0]})


def code_blocks(text: str, path: str = '<text>') -> List[CodeBlock]:
    """Every fenced code block of a Markdown text (unclosed blocks run to the end)."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match or (match['fence'][0] == '`' and '`' in match['info']):
            index += 1
            continue
        indent, fence = len(match['indent']), match['fence']
        start, body = index, []
        index += 1
        while index < len(lines) and not _closes(lines[index], fence):
            line = lines[index]
            leading = len(line) - len(line.lstrip(' \t'))
            body.append(line[min(indent, leading):])
            index += 1
        end = min(index, len(lines) - 1)
        blocks.append(CodeBlock(path, start + 1, end + 1, match['info'].strip(),
                                '\n'.join(body)))
        index += 1  # the closing fence
    return blocks


def blocks_to_run(path: str, repo_root: str) -> List[CodeBlock]:
    """Blocks of the page at ``path`` marked :data:`TESTED_INFO`."""
    with open(path, encoding='utf-8') as f:
        blocks = code_blocks(f.read(), osp.relpath(path, repo_root))
    return [b for b in blocks if b.info == TESTED_INFO]


def prose_lines(text: str, keep_inline_code: bool = False) -> List[Tuple[int, str]]:
    """``(line number, line)`` of the lines outside fenced blocks.

    Inline code spans are removed (links inside them are not links), or only their
    backticks with ``keep_inline_code`` (as GitHub does when it makes heading anchors).
    """
    inside = {line for block in code_blocks(text)
              for line in range(block.line, block.end_line + 1)}
    prose = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if n not in inside]
    if keep_inline_code:
        return [(n, line.replace('`', '')) for n, line in prose]
    return [(n, _INLINE_CODE.sub('', line)) for n, line in prose]


def heading_anchors(text: str) -> Set[str]:
    """GitHub's anchors of the headings of a page (lower case, punctuation dropped,
    spaces -> ``-``, ``-1``, ``-2`` ... for repeated headings)."""
    anchors: Set[str] = set()
    counts: Dict[str, int] = {}
    for _, line in prose_lines(text, keep_inline_code=True):
        match = _HEADING.match(line)
        if not match:
            continue
        slug = re.sub(r'[^\w\- ]', '', match['text'].strip().lower()).replace(' ', '-')
        count = counts.get(slug, 0)
        counts[slug] = count + 1
        anchors.add(slug if count == 0 else f'{slug}-{count}')
    return anchors


def relative_links(text: str) -> List[Tuple[int, str]]:
    """``(line, target)`` of the links that point inside the repository (no scheme)."""
    links = []
    for number, line in prose_lines(text):
        targets = [m['target'] for m in _INLINE_LINK.finditer(line)]
        definition = _REFERENCE_DEF.match(line)
        if definition:
            targets.append(definition['target'])
        links += [(number, t) for t in targets
                  if not _SCHEME.match(t) and not t.startswith('//')]
    return links


def broken_link(page: str, target: str, repo_root: str) -> str:
    """Why ``target`` (a link on ``page``) is broken, or ``''`` when it resolves.

    A leading ``/`` is the repository root (as on GitHub); ``#anchor`` must be a
    heading of the Markdown page it points to.
    """
    path, _, anchor = target.partition('#')
    if path.startswith('/'):
        resolved = osp.join(repo_root, path.lstrip('/'))
    elif path:
        resolved = osp.normpath(osp.join(osp.dirname(page), path))
    else:
        resolved = page
    if not osp.exists(resolved):
        return f'{osp.relpath(resolved, repo_root)} does not exist'
    if anchor and resolved.endswith('.md'):
        with open(resolved, encoding='utf-8') as f:
            if anchor.lower() not in heading_anchors(f.read()):
                return f'no heading with anchor #{anchor} in {osp.relpath(resolved, repo_root)}'
    return ''
