"""What a Markdown hover shows of text that is not Markdown: a function's name (Ruby's backtick
method, a JavaScript method named by a template literal, Python's `__init__`) and the reason of a
`codeorigin: ignore` comment read as the user wrote them, over stdio with the real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from helpers.gitrepo import git, init_repo
from helpers.lsp_client import TIMEOUT, Client, Start, uri_in

RUBY = """\
class Shell
  def `(command)
    output = system(command)
    joined = [command, output].join(" ")
    puts joined
    output
  end
end
"""
JS = """\
class Keys {
  [`key_${1}`](a, b) {
    const total = a + b * 2;
    for (let i = 0; i < total; i++) { console.log(i, total); }
    return total;
  }
}
"""
SUPPRESSED = """\
# codeorigin: ignore kept from __init__ of v1, see *args | <b>x</b>
def alpha(values):
    total = 0
    for v in values:
        total += v * 2
    return total
"""
CLASS = """\
class Box:
    def __init__(self, values):
        self.values = list(values)
        self.total = 0
        for v in self.values:
            self.total += v * 2
"""


async def hover_text(client: Client, uri: str, line: int) -> str:
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 4))
    hover = await asyncio.wait_for(client.text_document_hover_async(params), TIMEOUT)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    return hover.contents.value


async def test_names_and_reasons_read_as_written(start: Start, root: Path) -> None:
    client = await start(init={"threshold": 0.0, "minLines": 1, "minTokens": 1})
    for name, text, language in [("a.rb", RUBY, "ruby"), ("a.js", JS, "javascript"),
                                 ("a.py", SUPPRESSED, "python")]:  # fmt: skip
        client.open(uri_in(root, name), text, language=language)
        await client.published_for(uri_in(root, name), version=1)
    # A name holding backticks is one code span (a fence longer than its backticks); before,
    # "``` (method)" opened a code block that swallowed the rest of the hover.
    assert (await hover_text(client, uri_in(root, "a.rb"), 2)).count("`` ` `` (method)") == 1
    assert "``[`key_${1}`]`` (method)" in await hover_text(client, uri_in(root, "a.js"), 2)
    # The comment's reason is text: no bold "init", no italics, no HTML.
    said = await hover_text(client, uri_in(root, "a.py"), 2)
    reason = r"kept from \_\_init\_\_ of v1, see \*args \| \<b\>x\</b\>"
    assert f"Suppressed by a codeorigin: ignore comment: {reason}" in said


async def test_an_unchanged_init_is_named_as_code(start: Start, root: Path) -> None:
    init_repo(root)
    (root / "box.py").write_text(CLASS)
    git(root, "add", "box.py")
    git(root, "commit", "-qm", "box")
    client = await start(init={"threshold": 0.0, "debounceMs": 0, "scope": "changed"})
    uri = uri_in(root, "box.py")
    client.open(uri, CLASS)
    await client.published_for(uri, version=1)
    said = await hover_text(client, uri, 2)
    assert said.startswith("codeorigin: `__init__` is not judged: it is unchanged"), said
