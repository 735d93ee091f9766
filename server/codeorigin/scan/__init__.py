"""The scan: files and folders in, a `ScanReport` (`codeorigin.report.data`) out, as `codeorigin
scan`, `explain` and `calibrate` run it without their command line; the language server reads a
project's settings, its baseline and git through the same modules.

In the order a scan runs:

- `project`: the project's settings file (`.codeorigin.toml`, `[tool.codeorigin]`);
- `files`: the files and folders walked, what is skipped and why, a file read as text;
- `repos`: `scan --repos`, many repositories (cloned when they are URLs) in one scan;
- `gitio`, `changes`, `patches`: git as codeorigin runs it, and what a change touched
  (`scan --diff`, `--diff-file`);
- `options`: `ScanOptions`, what a scan does beyond the engine's rules;
- `reading`: the files read and cut into the chunks scored together;
- `scoring`: a chunk scored into file reports, each span marked by the `baseline`, by `prior`
  (flagged before the change) and by `provenance` (lines of agent-signed commits, git blame);
- `local`: the scan on this machine (`codeorigin.distributed`: the same on Ray);
- `baseline` (with `atomic`, files written whole or not at all): the findings a project has seen;
- `calibration`: the detector measured on a repository's own history (`codeorigin calibrate`).
"""
