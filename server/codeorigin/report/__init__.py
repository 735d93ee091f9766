"""The reports: what a scan found, as data, and every way it is read.

In: a `data.ScanReport` (filled in by `codeorigin.scan`) or, for one span, an `Attribution`
(`codeorigin.model`) and the text it was computed on. Out: text. Nothing here reads a file, runs
git or scores: a report is rendered from what it holds.

- `data`: `ScanReport`, `FileReport`, `SpanReport` and their parts;
- `tallies`: what each repository of a `scan --repos` found;
- `words`: the sentences every rendering shares (what was set aside, not judged, why nothing was
  scored);
- `json_shape` (JSON), `summary` (text), `sarif` (SARIF 2.1.0), `review` (markdown and Code
  Climate): the formats of `scan --format`;
- `explanation`: an explanation in full (the line chart, the top tokens, the members), for
  `codeorigin explain` and `scan --explain`; `hover_text`: the editor's hover, in plain words.
"""
