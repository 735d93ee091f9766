"""The scoring engine: a document in, its spans judged out. Shared by the language server, the scan
and the benchmark.

In: a text and its language id, and the user's `VerdictRules` (threshold, the "too short" guard,
generated code). Out: a `SpanResult` per span (score, verdict, lines, why a span was not scored
or is suppressed), from a model (`codeorigin.model`) through a cache keyed by the model and the
normalised text, so an edit re-scores only the spans whose text changed.

- `lines`: where a span sits in its text, in lines;
- `judging`: `VerdictRules`, the marks read above a span, `SpanResult`;
- `scoring`: `Engine`, the model with its cache, and how a probability becomes a verdict.
"""
