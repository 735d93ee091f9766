"""Pure logic on plain data, shared by the runtime and the training tree: text in (source code, a
diff, a commit message, probabilities), plain values out. Imports no pygls, lsprotocol, onnxruntime
or torch (`tests/unit/test_layering.py` says so) and nothing else of codeorigin.

- what is scored: `languages` (ids, extensions, grammars), `grammar_rules`, `spans` and `resync`
  (function spans, also in a document with a syntax error), `content` (what carries authorship);
- the one normalisation training and the server share: `normalize`; the linear member's inputs:
  `features`, `figures`;
- what is not scored or not reported: `generated`, `suppressions`;
- verdicts: `verdicts` (a span's), `change` (a whole change's), `bound` (a threshold bounded on
  human scores);
- `diffs` (the lines a change added), `markers` (the marks agents leave on commits), `cache` (a
  bounded LRU and a text's key), `fields` (typed reads of a manifest's JSON).
"""
