"""llmtools' layers (``llmtools.LAYERS``): every import, at module level or inside a function, goes to the
importer's own layer or one below it, and no module reaches itself through its imports."""

import ast
import os
import unittest

import llmtools

PACKAGE = os.path.dirname(os.path.abspath(llmtools.__file__))


def imports_of(source, package="llmtools"):
    """The package's modules a module's source imports anywhere in it (relative or absolute), sorted."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:  # from . import a, b
                found.update(alias.name for alias in node.names)
            elif node.level == 1:  # from .a import x
                found.add(node.module.split(".")[0])
            elif node.level == 0 and node.module == package:  # from llmtools import a
                found.update(alias.name for alias in node.names)
            elif node.level == 0 and (node.module or "").startswith(package + "."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith(package + "."))
    return sorted(found)


def import_graph():
    graph = {}
    for file in sorted(os.listdir(PACKAGE)):
        if file.endswith(".py") and file != "__init__.py":
            with open(os.path.join(PACKAGE, file), encoding="utf-8") as f:
                graph[file[:-3]] = imports_of(f.read())
    return graph


def cycle(graph):
    """One import cycle as [a, b, ..., a], or None when there is none."""
    done, path = set(), []

    def visit(node):
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        path.append(node)
        for nxt in graph.get(node, ()):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start)
        if found:
            return found
    return None


def upward_imports(graph, layers):
    """'a (layer) -> b (layer above)' for every import that goes up the layers."""
    layer_of = {m: i for i, (_, modules) in enumerate(layers) for m in modules}
    return [f"{m} ({layers[layer_of[m]][0]}) -> {n} ({layers[layer_of[n]][0]})"
            for m, targets in sorted(graph.items()) for n in targets if layer_of[n] > layer_of[m]]


class LayersTest(unittest.TestCase):

    def test_every_module_has_one_layer(self):
        listed = [m for _, modules in llmtools.LAYERS for m in modules]
        self.assertEqual(len(listed), len(set(listed)), "a module listed twice")
        self.assertEqual(sorted(listed), sorted(import_graph()))

    def test_no_module_imports_from_a_layer_above_its_own(self):
        self.assertEqual(upward_imports(import_graph(), llmtools.LAYERS), [])

    def test_no_import_cycle(self):
        self.assertIsNone(cycle(import_graph()))

    def test_imports_are_read_inside_functions_too(self):
        source = "from . import a\nfrom .b import x\nimport torch\ndef f():\n    from .c import y\n" \
                 "    from llmtools import d\n    import llmtools.e\n"
        self.assertEqual(imports_of(source), ["a", "b", "c", "d", "e"])

    def test_a_back_import_is_found(self):
        graph = {"train": ["scoring"], "scoring": ["checkpoints", "training"], "training": ["train"],
                 "checkpoints": []}
        self.assertEqual(cycle(graph), ["scoring", "training", "train", "scoring"])
        layers = (("stages", ("scoring", "training", "checkpoints")), ("commands", ("train",)))
        self.assertEqual(upward_imports(graph, layers), ["training (stages) -> train (commands)"])


if __name__ == "__main__":
    unittest.main()
