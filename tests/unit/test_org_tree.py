"""The unit tree: paths, subtrees, moves, and the trees it refuses."""

from __future__ import annotations

import pytest

from server.org.tree import Unit, UnitTree, codes_of, find_cycle, in_subtree, path_of
from sync.protocol.errors import FormatError


def _chongqing() -> UnitTree:
    return UnitTree([
        Unit("500101001", "万州区高笋塘街道", "500101"),  # listed before its parent: order does not matter
        Unit("50", "重庆市"),
        Unit("5001", "市辖区", "50"),
        Unit("500101", "万州区", "5001"),
        Unit("500102", "涪陵区", "5001"),
        Unit("500101001-01", "党政办公室", "500101001"),
        Unit("51", "四川省"),
    ])


def test_paths_and_subtrees_reach_any_depth() -> None:
    tree = _chongqing()
    assert tree.path("500101001-01") == "50/5001/500101/500101001/500101001-01/"
    assert tree.depth("500101001-01") == 4 and tree.depth("50") == 0
    assert tree.subtree("500101") == ["500101", "500101001", "500101001-01"]
    assert tree.subtree("50") == ["50", "5001", "500101", "500101001", "500101001-01", "500102"]
    assert [u.code for u in tree] == ["50", "5001", "500101", "500101001", "500101001-01", "500102", "51"]
    assert [u.code for u in tree.children(None)] == ["50", "51"]
    assert tree.contains("5001", "500101001") and not tree.contains("500102", "500101001")
    assert tree.paths()["500102"] == "50/5001/500102/" == tree.path("500102")
    assert in_subtree(tree.path("500101001"), tree.path("500101"))
    assert not in_subtree(tree.path("500102"), tree.path("500101"))
    assert codes_of("50/5001/") == ["50", "5001"] and path_of(["50", "5001"]) == "50/5001/"


def test_a_code_prefix_is_not_a_subtree() -> None:
    tree = UnitTree([Unit("1", "A"), Unit("12", "B"), Unit("123", "C", "1")])
    assert not in_subtree(tree.path("12"), tree.path("1"))  # "12/" does not start with "1/"
    assert in_subtree(tree.path("123"), tree.path("1"))


def test_moving_a_unit_takes_its_subtree_along_and_reports_every_new_path() -> None:
    tree, paths = _chongqing().moved("500101", "51")
    assert paths == {"500101": "51/500101/", "500101001": "51/500101/500101001/",
                     "500101001-01": "51/500101/500101001/500101001-01/"}
    assert tree.subtree("51") == ["51", "500101", "500101001", "500101001-01"]
    assert tree.subtree("5001") == ["5001", "500102"]
    root, root_paths = tree.moved("500101001", None)
    assert root.depth("500101001") == 0 and root_paths["500101001-01"] == "500101001/500101001-01/"


@pytest.mark.parametrize("target", ["500101", "500101001", "500101001-01"])
def test_a_unit_cannot_move_into_its_own_subtree(target: str) -> None:
    with pytest.raises(FormatError) as e:
        _chongqing().moved("500101", target)
    assert e.value.code == "unit_cycle"


def test_inconsistent_trees_are_refused_with_a_reason() -> None:
    with pytest.raises(FormatError) as e:
        UnitTree([Unit("a", "A", "b"), Unit("b", "B", "c"), Unit("c", "C", "a")])
    assert e.value.code == "unit_cycle" and "a" in e.value.detail
    with pytest.raises(FormatError) as e:
        UnitTree([Unit("a", "A", "zz")])
    assert e.value.code == "unknown_parent"
    with pytest.raises(FormatError) as e:
        UnitTree([Unit("a", "A"), Unit("a", "A2")])
    assert e.value.code == "unit_exists"
    with pytest.raises(FormatError) as e:
        UnitTree([Unit("a/b", "A")])
    assert e.value.code == "bad_unit_code"
    with pytest.raises(FormatError) as e:
        _chongqing().added(Unit("50", "again"))
    assert e.value.code == "unit_exists"
    with pytest.raises(FormatError) as e:
        _chongqing().get("99")
    assert e.value.code == "no_such_unit"


def test_find_cycle_names_only_the_loop() -> None:
    assert find_cycle({"a": None, "b": "a", "c": "b"}) is None
    assert find_cycle({"x": "a", "a": "b", "b": "a"}) in (["a", "b"], ["b", "a"])
    assert find_cycle({"s": "s"}) == ["s"]
    assert find_cycle({"a": "outside"}) is None
