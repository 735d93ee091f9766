"""Settings and status found wrong by an audit: language aliases in `codeorigin.languages`, the
status's thresholds for a document's language, answers to workspace/configuration that are not an
array, and messages that show values as JSON."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from helpers.lsp_client import PY_DOC, TIMEOUT, Client, Start, capabilities, make_client, uri_in
from helpers.samples import CPP_HEADER, JAVA_STACK


@pytest.mark.parametrize(
    ("listed", "name", "language", "text"),
    [
        (["py"], "a.py", "python", PY_DOC),
        (["c++", "golang"], "total.cpp", "cpp", CPP_HEADER),
        (["golang", "PY"], "a.py", "python", PY_DOC),
    ],
    ids=["py", "c++", "upper-case"],
)
async def test_language_aliases_in_the_languages_setting_cover_their_documents(
    start: Start, root: Path, listed: list[str], name: str, language: str, text: str
) -> None:
    """The aliases the README lists as accepted ids ("py", "c++", "golang") stand for their
    language in `codeorigin.languages`: its documents are scored, and no warning is given."""
    client = await start(config={"languages": listed, "threshold": 0.0, "minLines": 1})
    uri = uri_in(root, name)
    client.open(uri, text, language=language)
    published = await client.published_for(uri, version=1)
    assert published.diagnostics
    status = await client.status(uri)
    assert status["document"]["skipped"] is None and status["document"]["language"] == language
    assert not [m.message for m in client.messages if "Invalid setting" in m.message]

    # A document of a language not listed is still left out.
    other = uri_in(root, "Other.java")
    client.open(other, JAVA_STACK, language="java")
    await client.published_for(other, version=1)
    assert (await client.status(other))["document"]["skipped"] == "language"


JSX_DOC = """\
export function Greeting({ name, times }) {
  const parts = [];
  for (let i = 0; i < times; i += 1) {
    parts.push(<p key={i}>Hello, {name}</p>);
  }
  return <div className="greeting">{parts}</div>;
}
"""


async def test_jsx_in_the_languages_setting_means_javascriptreact(start: Start, root: Path) -> None:
    """`"jsx"` stands for the documents editors call `javascriptreact` (JavaScript with JSX), as
    `"tsx"` stands for `typescriptreact`, not for every JavaScript file."""
    client = await start(config={"languages": ["jsx"], "threshold": 0.0, "minLines": 1})
    react, plain = uri_in(root, "App.jsx"), uri_in(root, "tool.js")
    client.open(react, JSX_DOC, language="javascriptreact")
    client.open(plain, JSX_DOC, language="javascript")
    assert (await client.published_for(react, version=1)).diagnostics
    await client.published_for(plain, version=1)
    assert (await client.status(react))["document"]["skipped"] is None
    assert (await client.status(plain))["document"]["skipped"] == "language"
    assert not [m.message for m in client.messages if "Invalid setting" in m.message]


async def test_an_id_that_is_no_language_is_still_reported(start: Start) -> None:
    client = await start(config={"languages": ["py", "cobol"]})
    warning = await client.message_matching("Invalid setting codeorigin.languages")
    assert '"cobol"' in warning.message
    # The ids it lists are those the setting takes: editor ids such as javascriptreact too.
    assert "javascriptreact" in warning.message.split("supported: ")[1]


async def test_status_for_a_document_gives_its_languages_thresholds(
    start: Start, root: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """With a URI, `model.threshold`/`uncertain` are those the document's hover uses (its
    language's, when the model has its own for it) and `model.threshold_language` names the
    language; without one, the model's general thresholds and no language, as before."""
    model = tmp_path / "java-own"
    shutil.copytree(tiny_model_dir, model)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["thresholds"] = {
        "llm": 0.3,
        "uncertain": 0.2,
        "languages": {"java": {"llm": 0.999, "uncertain": 0.998}},
    }
    (model / "manifest.json").write_text(json.dumps(manifest))
    client = await start(model=model)
    java, py = uri_in(root, "Stack.java"), uri_in(root, "a.py")
    client.open(java, JAVA_STACK, language="java")
    client.open(py, PY_DOC)
    await client.published_for(java, version=1)
    await client.published_for(py, version=1)

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(java), types.Position(6, 8))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Threshold for java: 99.9%" in hover.contents.value
    status = await client.status(java)
    assert status["model"]["threshold"] == 0.999 and status["model"]["uncertain"] == 0.998
    assert status["model"]["threshold_language"] == "java"
    assert status["model"]["thresholds_by_language"] == {"java": 0.999}

    status = await client.status(py)
    assert status["model"]["threshold"] == 0.3 and status["model"]["uncertain"] == 0.2
    assert status["model"]["threshold_language"] == "python"

    status = await client.status()
    assert status["model"]["threshold"] == 0.3 and status["model"]["uncertain"] == 0.2
    assert "threshold_language" not in status["model"]

    # The user's threshold applies to every language, and the status says so for each.
    await client.change_configuration({"threshold": 0.7})
    await client.published_for(java, version=1, after=len(client.published))
    status = await client.status(java)
    assert status["model"]["threshold"] == 0.7 and status["model"]["threshold_language"] == "java"


@pytest.mark.parametrize(
    "answer", ["garbage", {"threshold": 0.9}, 42], ids=["string", "object", "number"]
)
async def test_a_configuration_answer_that_is_not_an_array_is_ignored_in_one_line(
    tiny_model_dir: Path, root: Path, answer: Any
) -> None:
    """The answer to workspace/configuration must be an array; another one is ignored as a
    whole, with one log line, and not read as a list of its characters or keys."""

    def configuration(ls: Client, params: types.ConfigurationParams) -> Any:
        return answer  # `ls`: pygls passes the client only to a first parameter of that name

    client = make_client(workspace_configuration=configuration)
    await client.start_io(sys.executable, "-m", "codeorigin.lsp", "--model", str(tiny_model_dir))
    try:
        init = types.InitializeParams(
            capabilities=capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            initialization_options={"threshold": 0.0},
        )
        await asyncio.wait_for(client.initialize_session(init), TIMEOUT)
        uri = uri_in(root, "a.py")
        client.open(uri, PY_DOC)
        assert len((await client.published_for(uri, version=1)).diagnostics) == 2
        assert (await client.status())["model"]["threshold"] == 0.0  # initializationOptions hold
        await client.log_matching("workspace/configuration answered", timeout=10)
        said = [m.message for m in client.log_messages if m.type <= types.MessageType.Warning]
        assert len(said) == 1 and "not a list: ignored" in said[0], said
        assert "(a JSON " in said[0] and "<class" not in said[0]  # as the client wrote it
        assert not [m for m in client.messages if m.type == types.MessageType.Error]
    finally:
        try:  # the server exits only after shutdown and exit, and `stop` waits for it
            await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
        finally:
            await client.stop()


async def test_messages_show_values_as_json(start: Start, root: Path) -> None:
    """Invalid settings and refused command arguments are shown as the client wrote them, in
    JSON: null, true, ["cobol"], and JSON type names."""
    client = await start(init={"minLines": None, "enable": 1, "codeLens": True, "threads": True})
    await client.message_matching("Invalid setting codeorigin.minLines")
    texts = [m.message for m in client.messages]
    assert any("codeorigin.minLines" in t and "(got null)" in t for t in texts), texts
    assert any("codeorigin.threads" in t and "(got true)" in t for t in texts), texts
    assert any("codeorigin.enable" in t and "(got 1). Using the default (true)" in t for t in texts)

    await client.change_configuration({"languages": ["cobol"], "severity": "loud"})
    warning = await client.message_matching("Invalid setting codeorigin.languages")
    assert '(got ["cobol"])' in warning.message
    warning = await client.message_matching("Invalid setting codeorigin.severity")
    assert '(got "loud"). Using the default ("information")' in warning.message

    uri = uri_in(root, "a.py")
    client.open(uri, PY_DOC)
    refused = [
        (["codeorigin.rescoreDocument", None], "takes a document URI, got null"),
        (["codeorigin.rescoreDocument", uri, True], "takes a document URI, got string, boolean"),
        (["codeorigin.rescoreSelection", {"a": 1}, [1]], "and a range, got object, array"),
        (["codeorigin.rescoreSelection", uri, [1, None]], "or more, got [1, null]"),
    ]
    for (name, *arguments), message in refused:
        with pytest.raises(JsonRpcException) as caught:
            await client.command(name, *arguments)
        assert caught.value.code == types.ErrorCodes.InvalidParams
        assert message in str(caught.value), str(caught.value)
