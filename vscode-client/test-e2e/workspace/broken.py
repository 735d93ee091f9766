"""A file with a syntax error: the server must still score what it can, and nothing else breaks."""


def parse_config(lines):
    result = {}
    for line in lines:
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        result[key.strip()] = value.strip(
    return result


def tail(xs, n):
    out = []
    for x in xs[-n:]:
        out.append(x)
    return out
