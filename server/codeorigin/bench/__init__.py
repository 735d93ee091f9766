"""The benchmark: how fast codeorigin is on this machine, a tower of its own.

In: a model folder and this machine. Out: latency, throughput and memory figures (`codeorigin
bench`, `machine`; over stdio, `server`; on synthetic code, `synth`), the scaling of a Ray scan
with its actors (`bench --ray-actors`, `ray_actors`) and a hover's Integrated Gradients cost (`ig`,
`python -m codeorigin.bench.ig`). `context` is what every run records beside its figures (the
machine, its load, the version). The `bench` command's arguments and dispatch are the command
line's (`codeorigin.cli.bench`).

It measures the parts the other towers run (`engine`, `model`, `scan`, `distributed`, a `serve`
process), and nothing of the scan path or the language server imports it
(`tests/training/test_import_graph.py` says so).
"""
