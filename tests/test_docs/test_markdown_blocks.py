"""The Markdown reader of the doc tests finds what it must and nothing else."""
import textwrap

from tests.test_docs.markdown_blocks import (
    blocks_to_run,
    broken_link,
    code_blocks,
    heading_anchors,
    relative_links,
)

PAGE = textwrap.dedent('''\
    # Title `code`

    Text with a [link](other.md) and `[not a link](nowhere.md)`.

    ```bash tested
    echo one
    ```

    ```bash
    echo not tested
    ```

    1. A list item:

       ```bash tested
       echo indented
         echo keeps relative indent
       ```

    ````markdown
    ```bash tested
    echo inside a longer fence: not a block of its own
    ```
    [inside code](nowhere.md)
    ````

    ## Title `code`

    [anchor](#title-code-1) [external](https://example.com/x.md) [ref]: ./other.md
    ''')


def test_code_blocks_and_markers(tmp_path):
    blocks = code_blocks(PAGE, 'page.md')
    assert [b.info for b in blocks] == ['bash tested', 'bash', 'bash tested', 'markdown']
    assert [b.line for b in blocks] == [5, 9, 15, 20]
    assert blocks[0].code == 'echo one'
    assert blocks[2].code == 'echo indented\n  echo keeps relative indent'
    assert 'echo inside a longer fence' in blocks[3].code
    assert blocks[3].end_line == 25
    page = tmp_path / 'page.md'
    page.write_text(PAGE)
    tested = blocks_to_run(str(page), str(tmp_path))
    assert [(b.location, b.code.splitlines()[0]) for b in tested] == [
        ('page.md:5', 'echo one'), ('page.md:15', 'echo indented')]


def test_unclosed_block_runs_to_the_end():
    blocks = code_blocks('text\n```bash tested\necho a\necho b\n')
    assert len(blocks) == 1 and blocks[0].code == 'echo a\necho b'


def test_links_skip_code_and_urls():
    assert relative_links(PAGE) == [(3, 'other.md'), (29, '#title-code-1')]


def test_heading_anchors_follow_github():
    text = '# Title `code`\n## Title `code`\n### 3. Data flow: how (it) moves\n'
    assert heading_anchors(text) == {'title-code', 'title-code-1',
                                     '3-data-flow-how-it-moves'}


def test_broken_link_reasons(tmp_path):
    (tmp_path / 'docs').mkdir()
    page = tmp_path / 'docs' / 'page.md'
    page.write_text('# Hello world\n')
    (tmp_path / 'README.md').write_text('# Top\n')
    root = str(tmp_path)
    assert broken_link(str(page), '../README.md#top', root) == ''
    assert broken_link(str(page), '#hello-world', root) == ''
    assert broken_link(str(page), '/docs/page.md', root) == ''
    assert broken_link(str(page), '../docs/', root) == ''
    assert 'does not exist' in broken_link(str(page), 'missing.md', root)
    assert 'no heading' in broken_link(str(page), '../README.md#nope', root)
