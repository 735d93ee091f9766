"""Builders for the sources added later (GPTCloneBench, GPTeacher, advent_generated, aoc24,
PLTranslationEmpirical), on tiny files written here in each source's native format."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from codeorigin_train.data import (
    advent_generated,
    aoc24,
    gptclonebench,
    gpteacher,
    pltranslation,
)
from codeorigin_train.data.build import build_dataset
from codeorigin_train.data.clean import clean_code
from codeorigin_train.data.records import HUMAN, HUMAN_GENERATOR, LLM
from codeorigin_train.data.sources import SOURCES


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# GPTCloneBench

JAVA_FRAGMENT = (
    "public static int binarySearch (int anArray [], int first, int last, int value) {\n"
    "    while (first <= last) {\n"
    "        int mid = (first + last) / 2;\n"
    "        if (value == anArray [mid]) return mid;\n"
    "        if (value < anArray [mid]) last = mid - 1;\n"
    "        else first = mid + 1;\n"
    "    }\n"
    "    return - 1;\n"
    "}\n"
)
CS_FRAGMENT = "public static int Twice (int x) {\n    int y = x * 2;\n    return y;\n}\n"


def _clone_file(fragment: str, output: str) -> str:
    return f"#input \n{fragment}\n\n#====================\n#gpt output=============\n{output}"


GPT3_OUTPUT = """
Python:
def binarySearch(anArray, first, last, value):
    while first <= last:
        mid = (first + last) // 2
        if value == anArray[mid]:
            return mid
        if value < anArray[mid]:
            last = mid - 1
        else:
            first = mid + 1
    return -1

C:
int binarySearch(int anArray[], int first, int last, int value) {
    while (first <= last) {
        int mid = (first + last) / 2;
        if (value == anArray[mid]) return mid;
        if (value < anArray[mid]) last = mid - 1;
        else first = mid + 1;
    }
    return -1;
}

C#:
public static int BinarySearch(int[] anArray, int first, int last, int value)
{
    while (first <= last)
    {
        int mid = (first + last) / 2;
        if (value == anArray[mid]) return mid;
        if (value < anArray[mid]) last = mid - 1; else first = mid + 1;
    }
    return -1;
}
"""
GPT4_OUTPUT = """Here are the translations.

C Implementation:
```c
#include <stdio.h>

int binary_search(int *arr, int lo, int hi, int key) {
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (arr[mid] == key) {
            return mid;
        }
        if (key < arr[mid]) {
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    return -1;
}
```

// Python
```python
def binary_search(arr, lo, hi, key):
    # Iterative search over the closed range [lo, hi].
    while lo <= hi:
        mid = lo + (hi - lo) // 2
        if arr[mid] == key:
            return mid
        if key < arr[mid]:
            hi = mid - 1
        else:
            lo = mid + 1
    return -1
```
This keeps the original behaviour.

Java:
```java
public static int binarySearch(int[] a, int first, int last, int value) { return -1; }
```
"""
CS_OUTPUT = """
In Java:
public static int twice(int x) {
    int y = x * 2;
    return y;
}

Python code:
def twice(x):
    y = x * 2
    return y
"""


def _gptclonebench_root(tmp_path: Path) -> Path:
    root = tmp_path / gptclonebench.FOLDER
    root.mkdir(parents=True)
    with zipfile.ZipFile(root / "cross_language.zip", "w") as zf:
        zf.writestr("java_to_other/", "")
        zf.writestr("java_to_other/Gpt3D_Clone7.java", _clone_file(JAVA_FRAGMENT, GPT3_OUTPUT))
        # The same fragment again under another id: one group, one human record.
        zf.writestr("java_to_other/Gpt3D_Clone12.java", _clone_file(JAVA_FRAGMENT, "\nNone.\n"))
        zf.writestr("java_to_other/1_java_to_other_validateClones.txt", "<clone>\n" * 3)
        zf.writestr("cs_to_other/Gpt3D_Clone3.cs", _clone_file(CS_FRAGMENT, CS_OUTPUT))
    with zipfile.ZipFile(root / "cross_language_part_2.zip", "w") as zf:
        zf.writestr(
            "cross_java_to_other/Gpt4D_Clone7.java", _clone_file(JAVA_FRAGMENT, GPT4_OUTPUT)
        )
        zf.writestr("cross_java_to_other/a_nohup_log.log", "log\n")
    return root


def test_gptclonebench_splits_human_fragments_from_translations(tmp_path: Path) -> None:
    recs = list(gptclonebench.read(_gptclonebench_root(tmp_path)))
    assert {r.source for r in recs} == {"gptclonebench"}
    human = [r for r in recs if r.label == HUMAN]
    # The Java fragment once (ids 7 and 12 hold the same input); the C# fragment is not scored.
    assert len(human) == 1
    assert human[0].language == "java" and human[0].generator == HUMAN_GENERATOR
    # NiCad's blanks (`binarySearch (`, `anArray [mid]`, `- 1`) are taken out.
    assert human[0].code.strip() == (
        "public static int binarySearch(int anArray[], int first, int last, int value) {\n"
        "    while (first <= last) {\n"
        "        int mid = (first + last) / 2;\n"
        "        if (value == anArray[mid]) return mid;\n"
        "        if (value < anArray[mid]) last = mid - 1;\n"
        "        else first = mid + 1;\n"
        "    }\n"
        "    return -1;\n"
        "}"
    )
    assert human[0].group == "gptclonebench:java:7"

    llm = {(r.group, r.generator, r.language): r.code for r in recs if r.label == LLM}
    assert set(llm) == {
        ("gptclonebench:java:7", "gpt-3", "python"),
        ("gptclonebench:java:7", "gpt-3", "c"),
        ("gptclonebench:java:7", "gpt-4", "c"),
        ("gptclonebench:java:7", "gpt-4", "python"),
        # A Java section in a Java file is not a translation; C# is not scored.
        ("gptclonebench:cs:3", "gpt-3", "java"),
        ("gptclonebench:cs:3", "gpt-3", "python"),
    }
    # Headings, fences and the notes around them are not part of the code.
    gpt4_py = llm[("gptclonebench:java:7", "gpt-4", "python")]
    assert gpt4_py.startswith("def binary_search(") and "```" not in gpt4_py
    assert "This keeps" not in gpt4_py
    gpt3_py = llm[("gptclonebench:java:7", "gpt-3", "python")]
    assert "C:" not in gpt3_py and "Python:" not in gpt3_py
    assert clean_code(gpt3_py, "python") is not None
    gpt3_c = llm[("gptclonebench:java:7", "gpt-3", "c")]
    assert "BinarySearch" not in gpt3_c and "C#" not in gpt3_c
    assert "#include <stdio.h>" in llm[("gptclonebench:java:7", "gpt-4", "c")]
    assert llm[("gptclonebench:cs:3", "gpt-3", "java")].startswith("public static int twice")


def test_gptclonebench_headings() -> None:
    out = gptclonebench.translations(
        "# Python\ndef f():\n    # C\n    return 1\n\n**C++:**\nint f() { return 1; }\n"
        "The C# version:\nint F() { return 1; }\n"
    )
    # An indented `# C` is a comment in the Python code, not a heading; C# is skipped.
    assert [lang for lang, _ in out] == ["python", "cpp"]
    assert dict(out)["python"].strip() == "def f():\n    # C\n    return 1"
    assert dict(out)["cpp"].strip() == "int f() { return 1; }"
    assert gptclonebench.split_file("no markers here") is None
    # One file has the separator and the output marker on one line.
    assert gptclonebench.split_file("#input\nint a;\n#=====#gpt output=====\nC:\nint b;\n") == (
        "int a;",
        "C:\nint b;\n",
    )


def test_gptclonebench_undoes_nicad_spacing_only() -> None:
    nicad = (
        "public void run (String [] args) {\n"
        "    int [] b = new int [n];\n"
        "    if (! done && a [i ++] > 0) foo.<String>bar (x, new Foo (1));\n"
        "    Runnable r = (a) -> g ();\n"
        "    for (int i = 0; i < n; i ++) {\n"
        "        try { return - 1; } catch (Exception e) { throw new RuntimeException (e); }\n"
        "    }\n"
        "}\n"
    )
    assert gptclonebench.undo_pretty_print(nicad) == (
        "public void run(String[] args) {\n"
        "    int[] b = new int[n];\n"
        "    if (!done && a[i++] > 0) foo.<String>bar(x, new Foo(1));\n"
        "    Runnable r = (a) -> g();\n"
        "    for (int i = 0; i < n; i++) {\n"
        "        try { return -1; } catch (Exception e) { throw new RuntimeException(e); }\n"
        "    }\n"
        "}\n"
    )
    tidy = "int f(int x) {\n    return x - 1;\n}\n"
    assert gptclonebench.undo_pretty_print(tidy) == tidy


# ---------------------------------------------------------------------------------------------
# GPTeacher


def test_gpteacher_extracts_code_and_drops_prose(tmp_path: Path) -> None:
    root = tmp_path / gpteacher.FOLDER
    entries = [
        {
            "instruction": "Write a Python function that returns the square of a number.",
            "input": "4",
            "response": "Here is the function:\n\n```python\ndef square(n):\n    return n * n\n```\n"
            "You can call it as square(4).",
        },
        {
            "instruction": "In PHP, create a function that checks an email address.",
            "input": "'a@b.c'",
            "response": "<?php\nfunction isValidEmail($email) {\n"
            "    return filter_var($email, FILTER_VALIDATE_EMAIL) !== false;\n}\n?>",
        },
        {
            "instruction": "What will the below C++ code output?",
            "input": "#include<iostream>\nint main() { std::cout << 6 / 4; }",
            "response": "The output of the given C++ code will be '1'. The reason is that both\n"
            "operands are integers, so the division truncates the fractional part.",
        },
        {
            "instruction": "Develop a shell script that shows disk usage.",
            "input": "",
            "response": "#!/bin/bash\n\ndf -h | awk '{print $1, $5}'\n",
        },
        {
            # Names no language: told from the code; the trailing note goes.
            "instruction": "Write a function that counts the words in a sentence.",
            "input": "",
            "response": 'package main\n\nimport "strings"\n\nfunc countWords(s string) int {\n'
            "    return len(strings.Fields(s))\n}\n\nThis function splits the sentence on spaces.",
        },
        {
            "instruction": "Write a Golang function that doubles a number.",
            "input": "",
            "response": "func double(x int) int {\n    return x * 2\n}\n",
        },
        {
            "instruction": "Fix the bug in this Java code.",
            "input": "int x = 1",
            "response": "public class Main {\n    public static void main(String[] args) {\n"
            "        int x = 1;\n    }\n}\n\nThe identified syntax errors in the code are:\n"
            "1. 'int x = 1' needs a semicolon.\n",
        },
    ]
    _write(root / "Codegen" / "codegen-instruct.json", json.dumps(entries))
    recs = list(gpteacher.read(root))
    by_group = {r.group: r for r in recs}
    assert set(by_group) == {"gpteacher:0", "gpteacher:1", "gpteacher:4", "gpteacher:5"}
    assert all(r.label == LLM and r.generator == "gpt-4" for r in recs)
    assert by_group["gpteacher:0"].language == "python"
    assert by_group["gpteacher:0"].code == "def square(n):\n    return n * n"
    assert by_group["gpteacher:1"].language == "php"
    assert by_group["gpteacher:4"].language == "go"
    assert by_group["gpteacher:4"].code.endswith("}")
    assert by_group["gpteacher:5"].language == "go"


# ---------------------------------------------------------------------------------------------
# advent_generated

PY_AOC = (
    'with open("input.txt") as f:\n    data = f.read()\nprint(data.count("(") - data.count(")"))\n'
)
GO_AOC = (
    'package main\n\nimport "fmt"\n\nfunc main() {\n    total := 0\n'
    "    for i := 0; i < 10; i++ {\n        total += i\n    }\n    fmt.Println(total)\n}\n"
)


def test_advent_generated_reads_every_language_as_noisy_llm(tmp_path: Path) -> None:
    root = tmp_path / advent_generated.FOLDER
    _write(root / "python" / "day1_part1_2015.py", PY_AOC)
    _write(root / "python" / "day1_part2_2015.py", PY_AOC.replace("print(", "print(-"))
    _write(root / "go" / "day12_part1_2024.go", GO_AOC)
    _write(root / "swift" / "day1_part1_2015.swift", "print(1)\nprint(2)\n")
    _write(root / "python" / "notes.txt", "not a solution\n")
    _write(root / "README.md", "# Advent of Code Solutions\n")
    recs = list(advent_generated.read(root))
    assert [(r.language, r.group) for r in recs] == [
        ("go", "aoc:2024:12"),
        ("python", "aoc:2015:1"),
        ("python", "aoc:2015:1"),
        ("swift", "aoc:2015:1"),  # read since the span finder reads Swift
    ]
    assert all(r.label == LLM and r.generator == "mixed-unlabelled" for r in recs)
    assert "label noise" in (advent_generated.__doc__ or "")


# ---------------------------------------------------------------------------------------------
# aoc24

JAVA_AOC = (
    "package {pkg};\n\nimport java.nio.file.Files;\nimport java.nio.file.Path;\n\n"
    "public class {cls} {{\n    public static void main(String[] args) throws Exception {{\n"
    '        var lines = Files.readAllLines(Path.of("input/day{day}.txt"));\n'
    "        System.out.println(lines.size() + {n});\n    }}\n}}\n"
)


def test_aoc24_takes_the_model_from_the_file_name(tmp_path: Path) -> None:
    root = tmp_path / aoc24.FOLDER
    files = {
        "Day10/Day10Part14o.java": ("Day10", "Day10Part14o", 10),
        "Day10/Day10Part2GeminiFlash.java": ("Day10", "Day10Part2GeminiFlash", 10),
        "Day5/Day5ChatGPT4o.java": ("Day5", "Day5ChatGPT4o", 5),
        "Day5/Day5.java": ("Day5", "Day5", 5),
        "day13part1/GPTo1Pro.java": ("day13part1", "GPTo1Pro", 13),
        "day04part2/R1.java": ("day04part2", "R1", 4),
        "day12part2/Gabe.java": ("day12part2", "Gabe", 12),
        "day14part2/SonnetHelped.java": ("day14part2", "SonnetHelped", 14),
        "day14part2/Mystery.java": ("day14part2", "Mystery", 14),
    }
    for i, (rel, (pkg, cls, day)) in enumerate(files.items()):
        _write(root / rel, JAVA_AOC.format(pkg=pkg, cls=cls, day=day, n=i))
    _write(
        root / "Day4.java", "// Chat-GPT 4o\n\n" + JAVA_AOC.format(pkg="x", cls="Day4", day=4, n=9)
    )
    _write(root / "README.md", "# Advent of Code 2024 - LLM Shoot-out\n")
    recs = list(aoc24.read(root))
    got = sorted((r.group, r.generator, r.label) for r in recs)
    assert got == sorted(
        [
            ("aoc:2024:10", "gpt-4o", LLM),
            ("aoc:2024:10", "gemini-2.0-flash", LLM),
            ("aoc:2024:5", "gpt-4o", LLM),
            ("aoc:2024:5", HUMAN_GENERATOR, HUMAN),
            ("aoc:2024:13", "o1-pro", LLM),
            ("aoc:2024:4", "deepseek-r1", LLM),
            ("aoc:2024:4", "gpt-4o", LLM),
            ("aoc:2024:12", HUMAN_GENERATOR, HUMAN),
        ]
    )
    assert all(r.language == "java" and r.source == "aoc24" for r in recs)


# ---------------------------------------------------------------------------------------------
# PLTranslationEmpirical


def test_pltranslation_keeps_scored_targets_and_groups_by_source_program(tmp_path: Path) -> None:
    root = tmp_path / pltranslation.FOLDER / "output"
    java = (
        "import java.util.Scanner;\n\npublic class Main {\n"
        "    public static void main(String[] args) {\n"
        "        Scanner sc = new Scanner(System.in);\n        System.out.println(sc.nextInt() * 2);\n"
        "    }\n}\n"
    )
    _write(root / "LLaMa/codenet/Python/Java/s000375264.java", java)
    _write(root / "StarCoder/codenet/Python/Java/s000375264.java", java.replace("* 2", "+ 1"))
    _write(
        root / "LLaMa/avatar/Java/Python/atcoder_ABC043_B.py",
        "```python\ns = input()\nout = []\nfor c in s:\n    out.append(c)\nprint(''.join(out))\n```\n",
    )
    _write(root / "LLaMa/avatar/Java/Go/atcoder_ABC043_B.go", GO_AOC)
    _write(root / "LLaMa/avatar/Java/CSharp/atcoder_ABC043_B.cs", "class A {}\n")
    recs = list(pltranslation.read(root.parent))
    got = sorted((r.generator, r.language, r.group) for r in recs)
    assert got == [
        ("llama", "csharp", "atcoder:ABC043_B"),  # read since the span finder reads C#
        ("llama", "go", "atcoder:ABC043_B"),
        ("llama", "java", "codenet-submission:s000375264"),
        ("llama", "python", "atcoder:ABC043_B"),
        ("starcoder", "java", "codenet-submission:s000375264"),
    ]
    assert all(r.label == LLM for r in recs)
    py = next(r for r in recs if r.language == "python")
    assert (
        clean_code(py.code, "python")
        == "s = input()\nout = []\nfor c in s:\n    out.append(c)\nprint(''.join(out))"
    )


# ---------------------------------------------------------------------------------------------
# Registry and build


def test_new_sources_are_registered_with_caps() -> None:
    for name in ("gptclonebench", "gpteacher", "advent-generated", "aoc24", "pltranslation"):
        assert name in SOURCES
    assert SOURCES["gptclonebench"].caps.llm_per_group == 1
    assert SOURCES["gpteacher"].caps.max_samples is not None
    assert SOURCES["advent-generated"].caps.max_samples is not None


def test_build_reads_new_sources_from_their_native_files(tmp_path: Path) -> None:
    _gptclonebench_root(tmp_path)
    df = build_dataset(tmp_path, sources=["gptclonebench"], drop_single_label_languages=False)
    assert set(df["source"]) == {"gptclonebench"}
    # One translation per fragment and language (GPT-3 or GPT-4), and the split follows the group.
    llm = df[df["label"] == LLM]
    assert llm.groupby(["group", "language"]).size().max() == 1
    assert df.groupby("group")["split"].nunique().max() == 1
    assert set(df.loc[df["label"] == HUMAN, "language"]) == {"java"}
    assert not df["code"].str.contains("```").any()


def test_llm_only_languages_stay_when_real_project_code_has_their_human_side(
    tmp_path: Path,
) -> None:
    """GPTCloneBench's human side is Java, its translations Python and C++: a language with LLM
    samples only is dropped, unless the dated real-project code supplies its human functions."""
    from codeorigin_train.fit.frames import without_human_side

    _gptclonebench_root(tmp_path)
    dropped = build_dataset(tmp_path, sources=["gptclonebench"])
    assert set(dropped["language"]) == {"java"}
    assert set(dropped.attrs["build"]["dropped_single_label_languages"]) >= {"python"}
    kept = build_dataset(tmp_path, sources=["gptclonebench"], human_languages=["python"])
    assert set(kept["language"]) == {"java", "python"}
    assert "python" not in kept.attrs["build"]["dropped_single_label_languages"]
    assert kept.attrs["build"]["human_side_from_realcode"] == ["python"]
    # A run that adds no real-project human code does not train on the LLM-only language.
    assert set(without_human_side(kept)["language"]) <= {"java"}
