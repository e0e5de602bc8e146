"""docs/architecture.md's table of who may import whom, held against every import in the code
(module level and inside functions alike)."""
import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = {"fastapi", "starlette", "uvicorn"}
FREE = {"tests", "bench"}  # may import anything; not packages of the product


def rules() -> dict[str, set[str]]:
    """package -> what it may import, from the table's rows."""
    table = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        row = re.match(r"\| `(\w+)/` \|[^|]*\| ([^|]*) \|$", line)
        if row:
            allowed = {name.strip("` ") for name in row[2].split(",")} - {"—", ""}
            table[row[1]] = allowed
    return table


def imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def python_packages() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py")} - FREE


def test_the_table_names_every_package_and_only_packages():
    assert set(rules()) == python_packages()


def test_every_import_keeps_to_the_table():
    table, broken = rules(), []
    for package, allowed in table.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, name in imports(path):
                top = name.split(".")[0]
                where = f"{path.relative_to(ROOT)}:{line} imports {name}"
                outside_table = top in table and top != package and top not in allowed
                if outside_table or (top in WEB and "web" not in allowed):
                    broken.append(where)
                elif (package != "agent_api" and name.startswith("agent_api.")
                      and not name.startswith("agent_api.app")):
                    broken.append(f"{where} (only the app is imported from outside the face)")
    assert not broken, "\n".join(broken)


AMI_CALLS = {"action", "action_list", "originate"}  # AmiClient's: the PBX spoken to directly


def ami_calls(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in AMI_CALLS):
            yield node.lineno, node.func.attr


def test_only_asterisk_speaks_ami():
    """Everyone else hands typed actions to a Pbx (asterisk/actions.py)."""
    spoken = [f"{path.relative_to(ROOT)}:{line} calls .{name}()"
              for package in rules() if package != "asterisk"
              for path in sorted((ROOT / package).rglob("*.py"))
              for line, name in ami_calls(path)]
    assert not spoken, "\n".join(spoken)


def test_the_rules_catch_what_they_forbid(tmp_path):
    """The checks themselves: a web import in a service and a route import in the runtime."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from fastapi import HTTPException\n"
                   "from agent_api.routes.agents import x\n")
    bad.write_text(bad.read_text() + "async def g(ami):\n    await ami.action('Hangup')\n")
    found = {name for _, name in imports(bad)}
    assert [name for _, name in ami_calls(bad)] == ["action"]
    assert {"fastapi", "agent_api.routes.agents"} <= found
    assert "web" not in rules()["services"] and "agent_api" not in rules()["runtime"]
