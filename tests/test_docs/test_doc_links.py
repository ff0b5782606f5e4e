"""Every relative link of the docs points to an existing file (and heading)."""
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT
from tests.test_docs.markdown_blocks import broken_link, doc_files, relative_links

PAGES = doc_files(REPO_ROOT)


def test_doc_pages_found():
    names = {osp.relpath(p, REPO_ROOT) for p in PAGES}
    assert {'README.md', 'docs/advanced_guides/data_flow.md', 'docs/faq.md'} <= names


@pytest.mark.parametrize('page', PAGES, ids=[osp.relpath(p, REPO_ROOT) for p in PAGES])
def test_relative_links_resolve(page):
    with open(page, encoding='utf-8') as f:
        links = relative_links(f.read())
    name = osp.relpath(page, REPO_ROOT)
    broken = [f'{name}:{line}: ({target}) {reason}' for line, target in links
              if (reason := broken_link(page, target, REPO_ROOT))]
    assert not broken, 'broken links:\n' + '\n'.join(broken)
