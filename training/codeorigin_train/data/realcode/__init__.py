"""Dated human code from real projects, function by function, for the human side of training:
`projects.toml` pins the releases, `fetch` downloads them, `extract` splits them into the functions
the server would score, `stdlib` adds the interpreter's older standard-library modules, and `build`
writes one row per function with its provenance (`python -m codeorigin_train.data.realcode
fetch|build`; README.md beside this file says why and with which caveats).
"""
