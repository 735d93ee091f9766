"""Dataset builders, cleaning, dedup, splits and the baseline, on tiny files written here in each
source's native format (nothing is copied from the real sources)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from codeorigin_train.data import (
    anvichip,
    back3474,
    classeval,
    codealpaca,
    codenet,
    codet,
    gcj,
    hallucode,
    promises,
    semeval,
)
from codeorigin_train.data.build import build_dataset, save_dataset, summary
from codeorigin_train.data.clean import (
    clean_code,
    deduplicate,
    extract_code,
    has_comments,
    strip_comments,
)
from codeorigin_train.data.splits import assign_splits, leave_one_source_out

# Distinct little programs, so that only the duplicates a test means are duplicates.
PY_PROGRAMS = [
    "def add(a, b):\n    total = a + b\n    return total\n",
    "def is_even(n):\n    if n % 2 == 0:\n        return True\n    return False\n",
    "import sys\nfor line in sys.stdin:\n    print(line.strip()[::-1])\n",
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n"
    "        self.items.append(x)\n",
    "n = int(input())\nprint(sum(range(n + 1)))\n",
    "def count_vowels(s):\n    return sum(1 for ch in s.lower() if ch in 'aeiou')\n\n"
    "print(count_vowels('Hello'))\n",
    "def max_pair(xs):\n    best = None\n    for x in xs:\n        if best is None or x > best:\n"
    "            best = x\n    return best\n",
]
JAVA_HUMAN = (
    "import java.util.*;\r\npublic class Solution {\r\n\tpublic static void main(String[] a) {\r\n"
    "\t\tScanner sc = new Scanner(System.in);\r\n\t\tint t = sc.nextInt();\r\n"
    "\t\tSystem.out.println(t * 2);\r\n\t}\r\n}\r\n"
)
JAVA_LLM = (
    "import java.util.Scanner;\n\npublic class Solution {\n    public static void main(String[] args) {\n"
    "        Scanner scanner = new Scanner(System.in);\n        int testCases = scanner.nextInt();\n"
    "        // Double the number of test cases\n        System.out.println(testCases + testCases);\n"
    "    }\n}\n"
)
CPP_HUMAN = '#include <cstdio>\nint main(){int n;scanf("%d",&n);printf("%d\\n",n*n);}\n'
CPP_LLM = (
    "#include <iostream>\n\nint main() {\n    int n;\n    std::cin >> n;\n"
    "    std::cout << n * n << std::endl;\n    return 0;\n}\n"
)


def _write(path: Path, text: str, newline: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline=newline) as f:
        f.write(text)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    # SemEval: the trial file's `label` is inverted against its own id_to_label.json.
    d = root / semeval.FOLDER / "task_A"
    d.mkdir(parents=True)
    pd.DataFrame(
        {
            "code": [PY_PROGRAMS[0], PY_PROGRAMS[1], CPP_HUMAN, CPP_LLM],
            "generator": ["Human", "Qwen/Qwen2.5-Coder-7B-Instruct", "Human", "gpt-4o"],
            "label": [1, 0, 1, 0],
            "language": ["Python", "Python", "C++", "C++"],
        }
    ).to_parquet(d / "task_a_trial.parquet")

    # DetectCodeGPT: CRLF and tabs on the human side.
    base = root / codenet.FOLDER / "code-generation/data/main_data"
    _write(
        base / "human_code/p00001.py",
        "n = int(input())\r\nfor i in range(n):\r\n\tprint(i * i)\r\n",
        newline="",
    )
    _write(
        base / "machine_code/p00001_solution.py",
        "def print_squares(n):\n    for i in range(n):\n        print(i ** 2)\n\nprint_squares(int(input()))\n",
    )

    # ClassEval: a skeleton with the benchmark's docstrings, a chat answer that copies them inside a
    # fence after a preamble, a base model that returns the skeleton, and a method file to ignore.
    skeleton = (
        'class Counter:\n    """\n    Counts things for the benchmark.\n    """\n\n'
        '    def __init__(self):\n        """\n        Set the count to zero.\n        """\n\n'
        '    def bump(self, k):\n        """\n        Increase the count by k and return it.\n'
        '        :param k: int\n        """\n'
    )
    task = {
        "task_id": "ClassEval_7",
        "skeleton": skeleton,
        "solution_code": "class Counter:\n\n    def __init__(self):\n        self.n = 0\n\n"
        "    def bump(self, k):\n        self.n += k\n        return self.n\n",
    }
    _write(root / classeval.FOLDER / "data/ClassEval_data.json", json.dumps([task]))
    chat = (
        'Here is the completed `Counter` class:\n```python\nclass Counter:\n    """\n'
        '    Counts things for the benchmark.\n    """\n\n    def __init__(self):\n'
        '        self.count_value = 0\n\n    def bump(self, k):\n        """\n'
        '        Increase the count by k and return it.\n        :param k: int\n        """\n'
        "        if k < 0:\n            raise ValueError('k must be positive')\n"
        "        self.count_value += k\n        return self.count_value\n```\n"
        "This implementation keeps the running count in an attribute."
    )
    out = root / classeval.FOLDER / "output/model_output"
    _write(out / "GPT-4_100_c_t0.json", json.dumps([{**task, "predict": [chat]}]))
    _write(out / "PolyCoder_c_t0.json", json.dumps([{**task, "predict": ["\n" + skeleton]}]))
    _write(out / "GPT-4_100_m_dire.json", json.dumps([{**task, "predict": ["x = 1\ny = 2\n"]}]))

    # HalluCodeDetector: question_id mbpp/<row> points at the row, whose task_id is row + 1.
    h = root / hallucode.FOLDER
    rows = [
        {
            "task_id": 11,
            "code": "def first_upper(s):\r\n\tfor c in s:\r\n\t\tif c.isupper():\r\n"
            "\t\t\treturn c\r\n\treturn None",
            "prompt": "p",
            "test": "[]",
        },
    ]
    _write(h / "Datasets/mbpp.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    gen = "def first_upper(text):\n    return next((ch for ch in text if ch.isupper()), None)\n"
    answers = {
        str(i): {
            "question_id": "mbpp/0",
            "model": "deepseek-v3-250324",
            "generation_code": g,
            "test_output": "PASSED",
            "test_result": "True",
        }
        for i, g in enumerate(
            [
                gen,
                gen,
                gen.replace("text", "word"),
                "def first_upper(s):\n    caps = [c for c in s if c.isupper()]\n"
                "    return caps[0] if caps else None\n",
            ]
        )
    }
    _write(h / "LLMAnswers/mbpp_deepseek-v3_output.json", json.dumps(answers))

    # CodeT: the same MBPP task; the body is indented by two spaces, the docstring by four.
    _write(
        root / codet.FOLDER / "CodeT/data/dataset/mbpp_sanitized_for_code_generation.jsonl",
        json.dumps(
            {
                "task_id": "MbppEval/11",
                "prompt": "def first_upper_char(s):\n    '''\n    Write a function to find the "
                "first uppercase character.\n    '''\n",
                "entry_point": "first_upper_char",
                "canonical_solution": "  for ch in s:\n    if 'A' <= ch <= 'Z':\n      return ch\n",
                "test": "",
            }
        )
        + "\n",
    )

    g = root / gcj.FOLDER / "dataset"
    _write(g / "alice_0019fd27_00ab_0020bdf9.java", JAVA_HUMAN, newline="")
    _write(g / "Anomalous/alice_0019fd27_00ab_0020bdf9.java", JAVA_LLM)

    _write(
        root / anvichip.FOLDER / "curated_datasets/cpp/dataset_1.jsonl",
        json.dumps({"writer": "Human", "code": CPP_HUMAN.replace("n*n", "n*n+1")})
        + "\n"
        + json.dumps({"writer": "AI", "code": CPP_LLM.replace("n * n", "n * n + 1")})
        + "\n",
    )

    p = root / promises.FOLDER
    _write(p / "humanCode/algorithms/reverses-a-string.py", PY_PROGRAMS[2])
    _write(
        p / "3.5turbo/algorithms/reverses-a-string.py",
        "# Reverse each line read from standard input\nimport sys\n\n\ndef reverse_lines():\n"
        "    for line in sys.stdin:\n        print(line.rstrip('\\n')[::-1])\n\n\nreverse_lines()\n",
    )
    _write(p / "ideas.md", "# notes\n")

    entries = [
        {
            "id": i,
            "problem_number": 3,
            "language": "Python",
            "generator_name": name,
            "human_generated_code": PY_PROGRAMS[3],
            "ai_generated_code": code,
        }
        for i, (name, code) in enumerate(
            [
                ("ChatGPT", PY_PROGRAMS[4]),
                ("StarCoder", PY_PROGRAMS[5]),
                ("Copilot", PY_PROGRAMS[6]),
            ]
        )
    ]
    _write(
        root / back3474.FOLDER / "AI-Human-Generated-Program-Code-Dataset.jsonl",
        json.dumps(entries),
    )

    alpaca = [
        {
            "instruction": "Write a Python function that returns the largest element.",
            "input": "",
            "response": "",
            "output": "Sure! Here is the function:\n```python\n" + PY_PROGRAMS[7] + "```\n",
        },
        {
            "instruction": "Write a shell script that lists files.",
            "input": "",
            "response": "",
            "output": "#!/bin/sh\nls -la\n",
        },
        {
            "instruction": "Explain recursion in Python.",
            "input": "",
            "response": "",
            "output": "Recursion is when a function calls itself to solve a smaller problem.",
        },
    ]
    _write(root / codealpaca.FOLDER / "data/new_codealpaca.json", json.dumps(alpaca))
    return root


# ---------------------------------------------------------------------------------------------
# Builders


def test_semeval_takes_the_label_from_generator(data_root: Path) -> None:
    recs = list(semeval.read(data_root / semeval.FOLDER))
    assert [(r.label, r.generator, r.language) for r in recs] == [
        (0, "human", "python"),
        (1, "Qwen/Qwen2.5-Coder-7B-Instruct", "python"),
        (0, "human", "cpp"),
        (1, "gpt-4o", "cpp"),
    ]
    assert len({r.group for r in recs}) == 4


def test_paired_sources_share_a_group(data_root: Path) -> None:
    for module, expected in [
        (codenet, "codenet:p00001"),
        (gcj, "gcj:alice_0019fd27_00ab_0020bdf9"),
        (promises, "promises:algorithms/reverses-a-string"),
    ]:
        recs = list(module.read(data_root / module.FOLDER))
        assert sorted(r.label for r in recs) == [0, 1], module.SOURCE
        assert {r.group for r in recs} == {expected}
        assert {r.generator for r in recs if r.label == 0} == {"human"}
    recs = list(anvichip.read(data_root / anvichip.FOLDER))
    assert [(r.label, r.language) for r in recs] == [(0, "cpp"), (1, "cpp")]


def test_classeval_strips_prompt_text_and_skips_echoed_skeletons(data_root: Path) -> None:
    recs = list(classeval.read(data_root / classeval.FOLDER))
    assert [(r.label, r.generator) for r in recs] == [(0, "human"), (1, "GPT-4")]
    assert {r.group for r in recs} == {"classeval:ClassEval_7"}
    llm = clean_code(recs[1].code, "python")
    assert llm is not None
    assert llm.startswith("class Counter:") and "raise ValueError" in llm
    # The docstrings came from the benchmark's prompt, not from the model.
    assert "Counts things" not in llm and "Increase the count" not in llm
    assert "This implementation" not in llm


def test_mbpp_sources_share_groups_and_keep_distinct_generations(data_root: Path) -> None:
    recs = list(hallucode.read(data_root / hallucode.FOLDER))
    assert [r.label for r in recs] == [0, 1, 1, 1]  # 4 generations, one repeated
    assert {r.group for r in recs} == {"mbpp:11"}
    assert {r.generator for r in recs if r.label == 1} == {"deepseek-v3-250324"}
    (human,) = codet.read(data_root / codet.FOLDER)
    assert (human.label, human.group) == (0, "mbpp:11")
    code = clean_code(human.code, "python")
    assert code is not None and "Write a function" in code  # docstring re-indented, parses


def test_back3474_yields_the_human_solution_once(data_root: Path) -> None:
    recs = list(back3474.read(data_root / back3474.FOLDER))
    assert sorted(r.label for r in recs) == [0, 1, 1, 1]
    assert {r.group for r in recs} == {"back3474:3"}
    assert {r.generator for r in recs} == {"human", "ChatGPT", "StarCoder", "Copilot"}


def test_codealpaca_keeps_code_in_supported_languages(data_root: Path) -> None:
    recs = list(codealpaca.read(data_root / codealpaca.FOLDER))
    cleaned = [clean_code(r.code, r.language) for r in recs]
    kept = [(r.language, c) for r, c in zip(recs, cleaned, strict=True) if c is not None]
    assert kept == [("python", PY_PROGRAMS[7].rstrip("\n"))]
    assert codealpaca.detect_language("Port this Java code to JavaScript", "") in (
        "java",
        "javascript",
    )
    assert codealpaca.detect_language("Write a C# method", "") is None


# ---------------------------------------------------------------------------------------------
# Cleaning


def test_extract_code_takes_the_largest_fence_and_drops_chat_text() -> None:
    raw = (
        "Here is the solution you asked for:\n\n```python\ndef f(x):\n    return x + 1\n```\n\n"
        "Example:\n```\nf(1)\n```\nThis function adds one to its argument."
    )
    assert extract_code(raw) == "def f(x):\n    return x + 1"
    unfenced = (
        "Please complete the class Foo in the following code.\n\nclass Foo:\n    def bar(self):\n"
        "        return 1\n\nThis class returns one from its bar method.\n"
    )
    assert extract_code(unfenced) == "class Foo:\n    def bar(self):\n        return 1"
    assert extract_code("x = 1\ny = 2\n<|endoftext|>garbage") == "x = 1\ny = 2"
    plain = "import os\nprint(os.getcwd())"
    assert extract_code(plain) == plain


def test_clean_code_normalises_line_endings_and_tabs_and_drops_non_code() -> None:
    raw = "def f(a):\r\n\tif a:\r\n\t\treturn 1   \r\n\r\n\r\n\r\n\treturn 2\r\n"
    assert clean_code(raw, "python") == "def f(a):\n    if a:\n        return 1\n\n    return 2"
    assert clean_code("", "python") is None
    assert clean_code("x = 1", "python") is None  # one line
    prose = "Recursion is a technique.\nA function calls itself until a base case stops it, then returns."
    assert clean_code(prose, "python") is None


def _frame(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "label", "language"])


def test_deduplicate_removes_exact_and_near_duplicates() -> None:
    big = "\n".join(f"values_{i} = compute(values_{i - 1}, {i}) + offset" for i in range(1, 40))
    near = big.replace("values_20 = compute(values_19, 20)", "values_20 = compute(values_19, 21)")
    df = _frame(
        [
            (PY_PROGRAMS[0], 1, "python"),
            (PY_PROGRAMS[0], 1, "python"),  # exact copy
            (big, 0, "python"),
            (near, 0, "python"),  # one token changed
            (near, 0, "java"),  # same text, other language: exact duplicate still
            (PY_PROGRAMS[1], 0, "python"),
        ]
    )
    kept, stats = deduplicate(df)
    assert kept.index.tolist() == [0, 2, 5]
    assert (stats.exact_removed, stats.near_removed) == (2, 1)
    assert stats.exact_conflicts == stats.near_conflicts == 0


def test_deduplicate_drops_duplicates_that_carry_both_labels() -> None:
    big = "\n".join(f"total_{i} = total_{i - 1} * {i} % modulus" for i in range(1, 40))
    near = big.replace("total_7 = total_6 * 7", "total_7 = total_6 * 8")
    df = _frame(
        [
            (PY_PROGRAMS[3], 0, "python"),
            (PY_PROGRAMS[3], 1, "python"),
            (big, 1, "python"),
            (near, 0, "python"),
            (PY_PROGRAMS[2], 1, "python"),
        ]
    )
    kept, stats = deduplicate(df)
    assert kept.index.tolist() == [4]
    assert (stats.exact_conflicts, stats.near_conflicts) == (2, 2)


def test_strip_comments_python() -> None:
    code = (
        '"""Module doc."""\nimport os  # why\n\n\nclass A:\n    """Class doc."""\n\n'
        '    def f(self):\n        """Only a docstring."""\n\n    def g(self):\n'
        '        # note\n        """Doc."""\n        s = "# not a comment"\n        return s\n'
    )
    out = strip_comments(code, "python")
    assert out == (
        "import os\n\n\nclass A:\n\n    def f(self):\n        pass\n\n    def g(self):\n"
        '        s = "# not a comment"\n        return s\n'
    )
    assert has_comments(code, "python") and not has_comments(out, "python")


def test_strip_comments_java_and_cpp() -> None:
    java = "/** Doc. */\nclass A {\n    // line\n    int f() { return 1; /* block */ }\n}\n"
    assert strip_comments(java, "java") == "class A {\n    int f() { return 1; }\n}\n"
    cpp = (
        "#include <cstdio>\n// header\nint main() {\n    /* n */ int n = 0;\n"
        '    puts("// kept"); /* multi\n line */\n    return n/**/;\n}\n'
    )
    assert strip_comments(cpp, "cpp") == (
        '#include <cstdio>\nint main() {\n    int n = 0;\n    puts("// kept");\n    return n;\n}\n'
    )
    assert not has_comments(strip_comments(cpp, "cpp"), "cpp")


# ---------------------------------------------------------------------------------------------
# Splits


def test_assign_splits_keeps_every_group_in_one_split() -> None:
    groups = [f"g{i}" for i in range(300)] + ["mbpp:11"] * 2
    df = pd.DataFrame(
        {
            "group": groups,
            "source": ["semeval"] * 300 + ["mbpp-deepseek", "codet"],
            "label": [i % 2 for i in range(302)],
        }
    )
    out = assign_splits(df, seed=3)
    assert out.groupby("group")["split"].nunique().max() == 1
    assert set(out["split"]) == {"train", "val", "test"}
    assert 0.65 < (out["split"] == "train").mean() < 0.95
    assert out["split"].tolist() == assign_splits(df, seed=3)["split"].tolist()
    assert out["split"].tolist() != assign_splits(df, seed=4)["split"].tolist()
    # A group's split does not depend on what else is in the frame.
    alone = assign_splits(df[df["source"] == "codet"], seed=3)
    assert alone["split"].iloc[0] == out["split"].iloc[-1]


def test_leave_one_source_out_removes_shared_groups_from_train() -> None:
    df = pd.DataFrame(
        {
            "group": ["mbpp:1", "mbpp:1", "mbpp:2", "semeval:0"],
            "source": ["codet", "mbpp-deepseek", "mbpp-deepseek", "semeval"],
            "label": [0, 1, 1, 0],
        }
    )
    train, test = leave_one_source_out(df, "codet")
    assert test.index.tolist() == [0]
    assert train.index.tolist() == [2, 3]
    with pytest.raises(ValueError, match="no samples"):
        leave_one_source_out(df, "gcj-java")


# ---------------------------------------------------------------------------------------------
# End to end


def test_build_dataset_end_to_end(data_root: Path, tmp_path: Path) -> None:
    df = build_dataset(data_root, seed=0)
    columns = "code label language source generator group split n_lines has_comments"
    assert list(df.columns) == columns.split()
    assert set(df["source"]) == {
        "semeval",
        "codenet",
        "classeval",
        "mbpp-deepseek",
        "codet",
        "gcj-java",
        "cpp-a0ms1n",
        "promises",
        "back3474",
        "codealpaca",
    }
    assert not df["code"].str.contains("\r").any() and not df["code"].str.contains("\t").any()
    assert df.groupby("group")["split"].nunique().max() == 1
    # At most two DeepSeek generations per MBPP task; CodeT and HalluCodeDetector share the task.
    mbpp = df[df["group"] == "mbpp:11"]
    assert set(mbpp["source"]) == {"mbpp-deepseek", "codet"}
    assert (mbpp["label"] == 1).sum() == 2
    assert df.loc[df["source"] == "gcj-java", "has_comments"].tolist() == [False, True]
    assert (df["n_lines"] >= 2).all()

    s = summary(df)
    assert s.counts.loc[("semeval", "cpp")].tolist() == [1, 1, 2]
    assert s.counts["total"].sum() == len(df)
    assert s.build["caps"]["gcj-java"]["max_samples"] == 6000
    assert "| codet | python | 1 | 0 | 1 |" in s.to_markdown()

    path = save_dataset(df, tmp_path / "ds.parquet")
    back = pd.read_parquet(path)  # the build record travels in the parquet file's metadata
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert back.attrs["build"]["dedup"] == df.attrs["build"]["dedup"]

    with pytest.raises(ValueError, match="unknown sources"):
        build_dataset(data_root, sources=["nope"])


def test_baseline_fits_and_predicts() -> None:
    from codeorigin_train.evaluation.baseline import fit_baseline, predict_baseline

    human = [p.replace("    ", "\t") + "# quick hack\n" for p in PY_PROGRAMS[:4]]
    llm = [p + '"""Well documented helper."""\n' for p in PY_PROGRAMS[4:]]
    train = pd.DataFrame({"code": human + llm, "label": [0] * 4 + [1] * 4})
    model = fit_baseline(train)
    probs = predict_baseline(model, ["x = 1  # quick hack", '"""Well documented helper."""'])
    assert probs.shape == (2,) and ((probs >= 0) & (probs <= 1)).all()
    assert probs[0] < probs[1]
    assert predict_baseline(model, []).shape == (0,)
