"""The layout rules of DESIGN.md, checked from the source by `ast` (nothing is imported).

* Direction: `class_pages` imports neither `workflows` nor `cms`; `workflows` does not
  import `cms`. An import inside a function counts the same as one at the top: it is
  still a dependency, only a hidden one.
* No import cycles between our modules (again counting function-level imports): the
  module graph's strongly connected components are all single modules.
* Every module has a docstring that says what it owns; none is over 300 lines, except
  the few in SIZE_ALLOWED, each with its reason.

Migrations are left out: they are frozen history, and the callables they name stay put.
`from a import b` is an edge to the module a.b when a/b.py (or a/b/) exists, else to a.
Importing a.b.c also runs a/__init__.py and a/b/__init__.py first, as Python does: those
are edges too, except for packages that hold the importing module itself (they are
already running when it runs), so a package may gather its submodules while they import
each other.
"""

import ast
import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("class_pages", "workflows", "cms")
# Which of our packages each package may not import.
FORBIDDEN = {"class_pages": ("workflows", "cms"), "workflows": ("cms",)}
MAX_LINES = 300
# Modules that must stay longer than MAX_LINES, with the reason. An entry for a module
# that is gone or back under the limit fails too, so the list cannot go stale.
SIZE_ALLOWED = {}


@dataclass(frozen=True)
class Import:
    target: str  # what it names: a.b for `from a import b` if a.b is a module, else a
    line: int
    in_function: bool


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    docstring: str | None
    imports: list = field(default_factory=list)
    error: str | None = None  # why it does not parse (then it has no imports)


def module_name(path, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree, name, is_package):
    """Every import in `tree` (module `name`), with whether it sits inside a function."""
    package = name if is_package else name.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                found.extend((alias.name, None, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                found.extend((base, alias.name, child.lineno, in_function) for alias in child.names)
            visit(child, nested)

    visit(tree, False)
    return found


def scan(root, packages, exclude=("migrations",)):
    """The modules of `packages` under `root`, each with its imports resolved to the
    deepest module of ours that they name (or left as written, if not ours)."""
    modules = {}
    raw = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if exclude and set(path.relative_to(root).parts) & set(exclude):
                continue
            source = path.read_text(encoding="utf-8")
            name = module_name(path, root)
            lines = len(source.splitlines())
            try:
                tree = ast.parse(source, filename=str(path))
            except SyntaxError as error:
                modules[name] = Module(name, path, lines, docstring=None, error=str(error))
                continue
            modules[name] = Module(name, path, lines, docstring=ast.get_docstring(tree))
            raw[name] = _imports(tree, name, path.name == "__init__.py")
    for name, found in raw.items():
        for base, imported, line, in_function in found:
            target = base
            if imported and f"{base}.{imported}" in modules:
                target = f"{base}.{imported}"
            modules[name].imports.append(Import(target, line, in_function))
    return modules


def _ours(target, modules):
    """The module of ours that an import target names (the deepest existing prefix)."""
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def direction_violations(module, forbidden=FORBIDDEN):
    top = module.name.split(".")[0]
    banned = forbidden.get(top, ())
    return [imp for imp in module.imports if imp.target.split(".")[0] in banned]


def _packages_run(name, target, modules):
    """The packages whose __init__ an import of `target` from module `name` runs: those
    above `target` that do not hold `name`."""
    parts = target.split(".")
    for depth in range(1, len(parts)):
        package = ".".join(parts[:depth])
        if package in modules and not (name == package or name.startswith(package + ".")):
            yield package


def graph(modules):
    """module -> {module of ours that its imports run -> the first Import that does}."""
    edges = {}
    for name, module in modules.items():
        edges[name] = {}
        for imp in module.imports:
            target = _ours(imp.target, modules)
            if target is None:
                continue
            for reached in (*_packages_run(name, target, modules), target):
                if reached != name:
                    edges[name].setdefault(reached, imp)
    return edges


def cycles(edges):
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(frozenset(component))
    return components


def cycle_through(name, component, edges):
    """One shortest cycle from `name` back to itself inside `component`, as
    "a (line 3) -> b (line 40, in a function) -> a" so the failure says where to cut."""
    paths = {name: [name]}
    frontier = [name]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(edges[node]):
                if succ == name:
                    hops = [*paths[node], name]
                    steps = [_hop(a, edges[a][b], b) for a, b in pairwise(hops)]
                    return " -> ".join([*steps, name])
                if succ in component and succ not in paths:
                    paths[succ] = [*paths[node], succ]
                    following.append(succ)
        frontier = following
    return name


def _hop(module, imp, reached):
    where = f"line {imp.line}" + (", in a function" if imp.in_function else "")
    if imp.target.startswith(reached + "."):
        where += f": {imp.target} runs {reached}/__init__"
    return f"{module} ({where})"


MODULES = scan(ROOT, PACKAGES)
EDGES = graph(MODULES)
IN_CYCLE = {name: component for component in cycles(EDGES) for name in component}


def _describe(imp):
    return f"line {imp.line}: {imp.target}" + (" (in a function)" if imp.in_function else "")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_parses(name):
    assert MODULES[name].error is None, f"{name} does not parse: {MODULES[name].error}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_import_direction(name):
    module = MODULES[name]
    bad = direction_violations(module)
    assert not bad, f"{name} imports what it may not ({FORBIDDEN}): " + "; ".join(
        _describe(imp) for imp in bad
    )


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_cycle(name):
    component = IN_CYCLE.get(name)
    assert component is None, (
        f"{name} is in an import cycle of {len(component)} modules "
        f"({', '.join(sorted(component))}); e.g. {cycle_through(name, component, EDGES)}"
    )


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_has_docstring(name):
    assert MODULES[name].docstring, f"{name} needs a docstring saying what it owns"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name):
    lines = MODULES[name].lines
    if name in SIZE_ALLOWED:
        assert lines > MAX_LINES, f"{name} is small now: drop it from SIZE_ALLOWED"
        return
    assert lines <= MAX_LINES, (
        f"{name} has {lines} lines (at most {MAX_LINES}): split it by what it owns"
    )


def test_size_allow_list_names_existing_modules():
    assert set(SIZE_ALLOWED) <= set(MODULES)


def test_checker_finds_each_breach(tmp_path):
    """The checker on a small made-up tree: it finds a cycle hidden in a function, a
    `from package import module` edge, a relative import, a forbidden direction, a
    missing docstring and a long module, and passes the clean modules."""
    files = {
        "low/__init__.py": '"""Low."""\n',
        "low/a.py": '"""A."""\nfrom low import b\n',
        "low/b.py": '"""B."""\n\n\ndef later():\n    from .c import thing\n',
        "low/c.py": '"""C."""\nimport low.a\nthing = 1\n',
        "low/clean.py": '"""Clean."""\nfrom low.c import thing\nimport os\n',
        "low/upward.py": '"""Up."""\n\n\ndef f():\n    import high.views\n',
        "low/silent.py": "x = 1\n",
        "low/long.py": '"""Long."""\n' + "x = 1\n" * 5,
        "low/broken.py": "def (:\n",
        "high/__init__.py": '"""High."""\n',
        "high/views.py": '"""Views."""\nfrom low import clean\n',
        "low/migrations/0001_initial.py": "import high.views\n",
        # A package that gathers its modules, which import each other: no cycle; but a
        # module outside it that imports one of them runs the package's __init__ first.
        "low/p/__init__.py": '"""P."""\nfrom low.p import q, s\n',
        "low/p/q.py": '"""Q."""\nfrom low.p import s\nfrom low import r\n',
        "low/p/s.py": '"""S."""\nx = 1\n',
        "low/r.py": '"""R."""\n\n\ndef f():\n    from low.p.s import x\n',
        "low/plain.py": '"""Plain."""\nimport low.p.s\n',
        "high/uses_p.py": '"""Uses p."""\nimport low.p.s\n',
    }
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    modules = scan(tmp_path, ("low", "high"))
    assert "low.migrations.0001_initial" not in modules

    edges = graph(modules)
    assert set(edges["low.a"]) == {"low.b"}  # `from low import b` is the module low.b
    assert edges["low.b"]["low.c"].in_function  # relative, inside a function
    assert set(edges["low.p.q"]) == {"low.p.s", "low.r"}  # low.p is running already
    assert set(edges["high.uses_p"]) == {"low", "low.p", "low.p.s"}
    found = sorted(cycles(edges), key=sorted)
    assert found == [
        frozenset({"low.a", "low.b", "low.c"}),
        frozenset({"low.p", "low.p.q", "low.r"}),
    ]
    assert cycle_through("low.a", found[0], edges) == (
        "low.a (line 2) -> low.b (line 5, in a function) -> low.c (line 2) -> low.a"
    )
    assert cycle_through("low.r", found[1], edges) == (
        "low.r (line 5, in a function: low.p.s runs low.p/__init__) -> low.p (line 2) "
        "-> low.p.q (line 3) -> low.r"
    )
    assert "low.plain" not in {name for component in found for name in component}

    forbidden = {"low": ("high",)}
    assert [imp.target for imp in direction_violations(modules["low.upward"], forbidden)] == [
        "high.views"
    ]
    assert not direction_violations(modules["low.clean"], forbidden)
    assert not direction_violations(modules["high.views"], forbidden)

    assert modules["low.silent"].docstring is None
    assert modules["low.clean"].docstring == "Clean."
    assert modules["low.long"].lines == 6
    assert modules["low.broken"].error and modules["low.clean"].error is None


# Page-path arithmetic has one home (class_pages/tree.py): a step length, a slice of a
# path, or a prefix lookup on a path anywhere else is a second copy of the tree's rules.
TREE_MODULE = "class_pages.tree"
PATH_ARITHMETIC = re.compile(
    r"steplen|path__startswith|\.path\s*\[|(?<!request)\.path\.startswith\("
)


def path_arithmetic(path):
    """Lines of a module that do page-path arithmetic themselves (comments skipped)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("#", 1)[0]
        if PATH_ARITHMETIC.search(code):
            found.append(f"{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("name", sorted(set(MODULES) - {TREE_MODULE}))
def test_path_arithmetic_only_in_tree(name):
    found = path_arithmetic(MODULES[name].path)
    assert not found, f"{name} does page-path arithmetic; use class_pages.tree: {found}"


def test_path_arithmetic_guard_sees_a_copy(tmp_path):
    module = tmp_path / "copy.py"
    module.write_text("school = page.path[: 2 * Page.steplen]  # a copy\nok = 1  # steplen\n")
    assert path_arithmetic(module) == ["1: school = page.path[: 2 * Page.steplen]  # a copy"]
