"""Targeting benchmark: smbcore.targeting against logistic regression, HistGradientBoosting and LightGBM peers.

    .venv/bin/pip install --no-deps -r benchmarks/requirements.txt   # lightgbm (see that file)
    .venv/bin/python benchmarks/targeting.py

On the bundled Bank Marketing sample (41,188 calls, rows in time order, target `responded`). `duration` is
dropped for every model (known only after the call); every method sees the same inputs: those smbcore's `fit`
keeps (so `customer_id`, `age` and `marital` are left out). Two splits: time-ordered (first 80% of rows learn,
last 20% are scored) and stratified random 80/20 (random_state=0). On the test rows: ROC AUC, average
precision, top-decile lift (response rate of the top 10% by score over the test response rate) and fit+predict
seconds. smbcore's time includes its own internal held-out fit (it fits its pipeline twice).
Peers: logistic regression (one-hot + scaling, max_iter=3000); HistGradientBoostingClassifier with default
settings on ordinal-encoded categoricals (codes read as numbers) and random_state=0 (its automatic early
stopping holds out a random 10%, so unseeded runs differ: time-ordered AUC 0.635-0.673 over seeds 0-4);
LGBMClassifier with default settings (verbose=-1) on pandas category columns. Fairness (time-ordered split
only): smbcore.fairness.audit of the smbcore model on the test rows for age (banded) and marital status, then
fairness.mitigate for age with its cost in responses.
Writes benchmarks/results/targeting.md and targeting.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import sklearn
from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smbcore import fairness  # noqa: E402
from smbcore import targeting as tg  # noqa: E402
from smbcore.data import load_sample  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
COMMAND = ".venv/bin/python benchmarks/targeting.py"
TARGET = "responded"
SENSITIVE = ["age", "marital"]


def load_frame() -> pd.DataFrame:
    """The Bank Marketing training frame (time order kept), without the after-the-call `duration`."""
    tables = load_sample("bank_marketing")
    frame = tg.training_frame(tables["campaigns"], tables["customers"])
    frame = frame.drop(columns=["duration"]).reset_index(drop=True)
    frame[TARGET] = frame[TARGET].astype(bool)
    return frame


def splits(frame: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Split name -> (train rows, test rows): time-ordered 80/20 and stratified random 80/20."""
    cut = int(len(frame) * 0.8)
    train_idx, test_idx = train_test_split(frame.index, test_size=0.2, stratify=frame[TARGET], random_state=0)
    return {
        "time-ordered": (frame.iloc[:cut], frame.iloc[cut:]),
        "stratified random": (frame.loc[np.sort(train_idx)], frame.loc[np.sort(test_idx)]),
    }


def metrics(y: np.ndarray, p: np.ndarray) -> dict:
    """ROC AUC, average precision and top-decile lift (top 10% taken as in TargetingModel.evaluate)."""
    top = np.argsort(-p, kind="stable")[: max(len(y) // 10, 1)]
    return {
        "auc": float(roc_auc_score(y, p)),
        "average_precision": float(average_precision_score(y, p)),
        "lift_top10": float(y[top].mean() / y.mean()),
    }


def as_object(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """Categoricals as plain object strings (what the sklearn encoders expect)."""
    out = frame.copy()
    for column in categorical:
        out[column] = out[column].astype("string").astype(object)
    return out


def logistic_peer(numeric: list[str], categorical: list[str]) -> Pipeline:
    """One-hot categoricals + standard-scaled numerics, LogisticRegression(max_iter=3000)."""
    prepare = ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(max_iter=3000))])


def hgb_peer(numeric: list[str], categorical: list[str]) -> Pipeline:
    """Ordinal-encoded categoricals (codes read as numbers; unseen -> -1), default HistGradientBoosting
    seeded (random_state=0) so its early-stopping split, and so its figures, repeat."""
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    prepare = ColumnTransformer([("num", "passthrough", numeric), ("cat", encoder, categorical)])
    return Pipeline([("prepare", prepare), ("model", HistGradientBoostingClassifier(random_state=0))])


def sklearn_run(pipeline: Pipeline, train: pd.DataFrame, test: pd.DataFrame, inputs, categorical) -> np.ndarray:
    """Fit a peer pipeline on the train rows, return its probabilities for the test rows."""
    pipeline.fit(as_object(train[inputs], categorical), train[TARGET].to_numpy())
    return pipeline.predict_proba(as_object(test[inputs], categorical))[:, 1]


def lightgbm_run(train: pd.DataFrame, test: pd.DataFrame, inputs, categorical) -> np.ndarray:
    """Default LGBMClassifier on pandas category columns (test categories set to the training ones)."""
    x_train, x_test = train[inputs].copy(), test[inputs].copy()
    for column in categorical:
        x_train[column] = x_train[column].astype(object).astype("category")
        known = x_train[column].cat.categories
        values = x_test[column].astype(object)
        x_test[column] = pd.Categorical(values.where(values.isin(known)), categories=known)
    model = LGBMClassifier(verbose=-1).fit(x_train, train[TARGET].to_numpy())
    return model.predict_proba(x_test)[:, 1]


def timed(function, *args):
    """(result, seconds)."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def smbcore_run(train: pd.DataFrame, test: pd.DataFrame):
    """targeting.fit on the train rows, then score the test rows. Returns (model, probabilities)."""
    model = tg.fit(train, TARGET)
    return model, model.score(test).to_numpy()


def compare(split: str, train: pd.DataFrame, test: pd.DataFrame) -> tuple[list[dict], tg.TargetingModel]:
    """All four methods on one split; rows of metrics plus the smbcore model (for the fairness part)."""
    y = test[TARGET].to_numpy(dtype=int)
    (model, p), seconds = timed(smbcore_run, train, test)
    inputs, numeric, categorical = model.inputs, model.numeric, model.categorical
    runs = {"smbcore": (p, seconds)}
    runs["logistic regression (one-hot)"] = timed(
        sklearn_run, logistic_peer(numeric, categorical), train, test, inputs, categorical
    )
    runs["HistGradientBoosting (ordinal)"] = timed(
        sklearn_run, hgb_peer(numeric, categorical), train, test, inputs, categorical
    )
    runs["LightGBM (category dtype)"] = timed(lightgbm_run, train, test, inputs, categorical)
    rows = [{"split": split, "method": name, **metrics(y, p), "seconds": s} for name, (p, s) in runs.items()]
    return rows, model


def unseen(train: pd.DataFrame, test: pd.DataFrame, categorical: list[str]) -> str:
    """Test categories never seen in training, as 'column=value (rows)'."""
    found = []
    for column in categorical:
        for value in sorted(set(test[column].dropna()) - set(train[column].dropna())):
            found.append(f"{column}={value} ({int((test[column] == value).sum())} rows)")
    return ", ".join(found) or "none"


def split_facts(split: str, train: pd.DataFrame, test: pd.DataFrame, model: tg.TargetingModel) -> dict:
    """Sizes, response rates, input count and unseen test categories of one split."""
    return {"split": split, "train_rows": len(train), "test_rows": len(test),
            "train_rate": float(train[TARGET].mean()), "test_rate": float(test[TARGET].mean()),
            "inputs": len(model.inputs), "unseen_test_categories": unseen(train, test, model.categorical)}  # fmt: skip


def fairness_part(model: tg.TargetingModel, test: pd.DataFrame) -> dict:
    """Audit of the smbcore model's top-20% decision on the test rows, and the age mitigation tradeoff."""
    report = fairness.audit(model, test, SENSITIVE)
    mitigation = fairness.mitigate(model, test, "age")
    return {"by_group": report.by_group, "differences": report.differences, "words": report.words,
            "tradeoff": mitigation["tradeoff"]}  # fmt: skip


def markdown(facts, table, model, fair) -> str:
    """The results page."""
    group_columns = ["attribute", "group", "size", "selection_rate", "selection_low", "selection_high",
                     "true_positive_rate", "false_positive_rate", "precision"]  # fmt: skip
    lines = ["# Targeting benchmark (Bank Marketing)", "", f"`{COMMAND}`", "",
             f"lightgbm {lightgbm.__version__}, scikit-learn {sklearn.__version__}, pandas {pd.__version__}.", "",
             f"Inputs for every method ({len(model.inputs)}): {', '.join(model.inputs)}.",
             "Left out: duration (after the call), "
             + ", ".join(f"{k} ({v})" for k, v in model.left_out.items()) + ".", "",
             "## Splits", "", pd.DataFrame(facts).round(4).to_markdown(index=False), "",
             "## Held-out quality (test rows)", "",
             table.round({"auc": 4, "average_precision": 4, "lift_top10": 3, "seconds": 2}).to_markdown(index=False),
             "", "smbcore seconds include `fit`'s own held-out check (its pipeline is fitted twice) and input checks. "
             "Unseen test categories: all-zero one-hot (smbcore, logistic), code -1 (HistGradientBoosting), "
             "missing (LightGBM). HistGradientBoosting is seeded (random_state=0): its early stopping "
             "holds out a random 10% of the training rows, and its time-ordered AUC moves with the seed.",
             "", "## Fairness (time-ordered split, smbcore model, contact the top 20% of the test rows)", "",
             fair["by_group"][group_columns].round(4).to_markdown(index=False), "",
             fair["differences"].round(4).to_markdown(index=False), ""]  # fmt: skip
    lines += [f"- {column}: {words}" for column, words in fair["words"].items()]
    lines += ["", "## Mitigation for age (fairness.mitigate, demographic parity; thresholds fitted on the test rows)",
              "", fair["tradeoff"].round(4).to_markdown(index=False)]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    frame = load_frame()
    facts, rows, time_model, time_test = [], [], None, None
    for split, (train, test) in splits(frame).items():
        split_rows, model = compare(split, train, test)
        facts.append(split_facts(split, train, test, model))
        rows += split_rows
        if split == "time-ordered":
            time_model, time_test = model, test
    table = pd.DataFrame(rows)
    fair = fairness_part(time_model, time_test)
    text = markdown(facts, table, time_model, fair)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "targeting.md").write_text(text + "\n")
    payload = {
        "command": COMMAND,
        "versions": {"lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__, "pandas": pd.__version__},
        "inputs": time_model.inputs,
        "splits": facts,
        "results": rows,
        "fairness": {
            "by_group": fair["by_group"].to_dict(orient="records"),
            "differences": fair["differences"].to_dict(orient="records"),
            "words": fair["words"],
            "mitigation_tradeoff": fair["tradeoff"].to_dict(orient="records"),
        },
    }
    (RESULTS / "targeting.json").write_text(json.dumps(payload, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
