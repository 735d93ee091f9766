"""Dated human code from real projects, function by function, for the human side of training.

`projects.toml` pins well-known releases published before 2021 (PyPI sdists, npm tarballs) by
version and hash; `fetch` downloads them, `extract` splits them into the functions the server would
score, `stdlib` adds the running interpreter's older standard-library modules, and `build` writes
one row per function with its project, version, release date, licence and path. Run it with
`python -m codeorigin_train.data.realcode fetch|build`; README.md beside this file says why and with
which caveats.
"""
