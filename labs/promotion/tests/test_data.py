"""Data tests: the sample data and the golden examples are what the pipeline assumes."""

import json
from pathlib import Path

from promotion import data

ROOT = Path(__file__).resolve().parent.parent


def test_the_data_has_30_numeric_features_no_missing_values_and_two_labels() -> None:
    frame = data.load_frame()
    features = data.feature_names(frame)
    assert len(features) == 30
    assert int(frame.isna().sum().sum()) == 0
    assert all(str(frame[c].dtype).startswith("float") for c in features)
    assert sorted(frame[data.TARGET].unique().tolist()) == list(data.LABELS)


def test_the_split_is_stratified_fixed_and_disjoint() -> None:
    frame = data.load_frame()
    first, second = data.split(frame), data.split(frame)
    assert first.test.index.tolist() == second.test.index.tolist()
    assert set(first.train.index).isdisjoint(first.test.index)
    assert len(first.train) + len(first.test) == len(frame)
    share = frame[data.TARGET].mean()
    assert abs(first.test[data.TARGET].mean() - share) < 0.01


def test_the_data_hash_is_stable_and_changes_with_the_data() -> None:
    frame = data.load_frame()
    assert data.data_hash(frame) == data.data_hash(data.load_frame())
    assert data.data_hash(frame).startswith("sha256:")
    changed = frame.copy()
    changed.iloc[0, 0] += 1.0
    assert data.data_hash(changed) != data.data_hash(frame)


def test_the_golden_examples_are_rows_of_the_data_with_their_labels() -> None:
    golden = json.loads((ROOT / "golden.json").read_text(encoding="utf-8"))
    frame = data.load_frame()
    assert golden["columns"] == data.feature_names(frame)
    assert sorted(set(golden["expected"])) == list(data.LABELS)
    for row, values, label in zip(golden["rows"], golden["data"], golden["expected"], strict=True):
        assert frame.loc[row, golden["columns"]].tolist() == values
        assert int(frame.loc[row, data.TARGET]) == label
