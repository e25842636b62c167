"""The figures of a homework that trains: the search (a row per trial and a parallel-coordinates
plot), the runs it logged, the chosen model on the test set, and the gradient blocks."""

from __future__ import annotations

import base64
import math
from typing import Any, Mapping, Sequence, TypeGuard

from grader.reporters.html.plots import _Plots
from grader.checks.coerce import quoted
from grader.reporters.html.values import _e, _finite, _list, _mapping, _number, _unreadable


def _search(s: Any, plots: _Plots, malformed: list[str]) -> str:
    if not isinstance(s, Mapping):
        malformed.append(_unreadable("the search", s, "a search record"))
        return ""
    trials = _read_trials(s.get("trials"), malformed)
    keys = list(dict.fromkeys(k for t in trials for k in (t.get("setting") or {})))
    measures = list(dict.fromkeys(k for t in trials for k in (t.get("figures") or {})))
    chosen = s.get("chosen")
    if chosen is not None and not _is_int(chosen):
        malformed.append(_unreadable("the search's chosen trial", chosen, "a trial number"))
        chosen = None
    head = "".join(f"<th>{_e(k)}</th>" for k in ["trial", *keys, *measures, "time"])
    rows = []
    for t in trials:
        number = t.get("number")
        cells = [f'<td class="num">{_e(number)}{" &#9733;" if number == chosen else ""}</td>']
        cells += [f'<td class="num">{_e(_value(t.get("setting", {}).get(k)))}</td>' for k in keys]
        if t.get("problem"):
            cells.append(f'<td colspan="{max(1, len(measures))}" class="warn">{_e(t["problem"])}</td>')
        else:
            cells += [f'<td class="num">{_e(_figure(k, (t.get("figures") or {}).get(k)))}</td>' for k in measures]
        seconds = t.get("seconds")
        cells.append(f'<td class="num">{"" if seconds is None else f"{seconds:.1f} s"}</td>')
        rows.append(f'<tr class="trial{" chosen" if number == chosen else ""}" data-trial="{_e(number)}">'
                    f'{"".join(cells)}</tr>')
    said = (f"the chosen trial is {chosen} ({_e(s.get('how') or '')}), highlighted" if chosen is not None
            else "the search's choice was not identified")
    stopped = f'<p class="warn">{_e(s["stopped"])}</p>' if s.get("stopped") else ""
    if trials and any(t.get("malformed") for t in trials):
        stopped += ('<p class="warn">Some of what the trials sent was malformed and is left out (listed at the '
                    'top of the page).</p>')
    plot = plots.add("search", _parcoords(trials, keys, measures, chosen), height=440)
    return (f'<section id="search"><h2>Your search: {_e(s.get("function") or "")} '
            f'({len(trials)} call(s) of {_e(s.get("trained") or "")})</h2>'
            f'<p class="sub">The grader evaluated every trial itself on the validation set; {said}. Drag along an '
            f'axis to pick trials out; double-click an axis to clear.</p>{stopped}{plot}'
            f'<table id="trials"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _read_trials(found: Any, malformed: list[str]) -> list[dict[str, Any]]:
    """The search's trials as the section draws them: a number, a setting and figures (dicts with text
    keys), seconds (a finite number or None), a problem (text or None); a part of the wrong type is
    left out, said in ``malformed``, and the trial marked ``malformed``."""
    trials = []
    for i, t in enumerate(_list(found, "the search's trials", malformed)):
        where, said = f"trial {i + 1}", len(malformed)
        if not isinstance(t, Mapping):  # keeps its row, as the trial it stands for
            malformed.append(_unreadable(where, t, "a trial record"))
            t = {"problem": "this trial could not be read (malformed)"}
        number = t.get("number", i + 1)
        if not _is_int(number):
            malformed.append(_unreadable(f"{where}: its number", number, "a whole number"))
            number = i + 1
        setting = _mapping(t.get("setting"), f"{where}: its setting", malformed)
        figures = _mapping(t.get("figures"), f"{where}: its figures", malformed)
        seconds = t.get("seconds")
        if seconds is not None and not _finite(seconds):
            malformed.append(_unreadable(f"{where}: its time", seconds, "a number of seconds"))
            seconds = None
        problem = t.get("problem")
        if problem is not None and not isinstance(problem, str):
            malformed.append(_unreadable(f"{where}: what went wrong", problem, "text"))
            problem = "what went wrong could not be read (malformed)"
        trials.append({"number": number, "setting": {str(k): v for k, v in setting.items()},
                       "figures": {str(k): v for k, v in figures.items()}, "seconds": seconds, "problem": problem,
                       "completed": t.get("completed") is True, "malformed": len(malformed) > said})
    return trials


def _parcoords(trials: Sequence[Mapping[str, Any]], keys: Sequence[str], measures: Sequence[str],
               chosen: Any) -> dict[str, Any] | None:
    done = [t for t in trials if t.get("completed") and all(_finite((t.get("figures") or {}).get(m))
                                                            for m in measures)]
    if not done or not measures:
        return None
    colour = next((m for m in measures if "accuracy" in m), measures[0])
    dimensions: list[dict[str, Any]] = [_dimension("trial", [t.get("number") for t in done])]
    if chosen is not None and any(t.get("number") == chosen for t in done):
        dimensions[0]["constraintrange"] = [chosen - 0.4, chosen + 0.4]
    dimensions += [_dimension(k, [(t.get("setting") or {}).get(k) for t in done]) for k in keys]
    dimensions += [_dimension(m, [(t.get("figures") or {}).get(m) for t in done]) for m in measures]
    return {"data": [{"type": "parcoords", "dimensions": dimensions,
                      "line": {"color": [(t.get("figures") or {}).get(colour) for t in done], "colorscale": "Viridis",
                               "showscale": True, "colorbar": {"title": {"text": colour}}}}],
            "layout": {"margin": {"l": 60, "r": 60, "t": 60, "b": 30}}}


def _dimension(label: str, values: Sequence[Any]) -> dict[str, Any]:
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v) for v in values):
        numbers = [float(v) for v in values]
        positive = all(v > 0 for v in numbers)
        if positive and max(numbers) / min(numbers) >= 100:  # a learning rate or alpha: a log axis
            ticks = sorted(set(numbers))
            return {"label": f"{label} (log)", "values": [math.log10(v) for v in numbers],
                    "tickvals": [math.log10(v) for v in ticks], "ticktext": [f"{v:g}" for v in ticks]}
        return {"label": label, "values": numbers}
    names = sorted({_value(v) for v in values})
    return {"label": label, "values": [names.index(_value(v)) for v in values],
            "tickvals": list(range(len(names))), "ticktext": names}


def _runs(found: Any, search: Any, plots: _Plots, malformed: list[str]) -> str:
    runs = _read_runs(found, malformed)
    metrics = list(dict.fromkeys(k for run in runs for row in run["rows"]
                                 for k, v in row.items() if _finite(v) and not str(k).startswith("_")
                                 and str(k) not in ("epoch", "step")))
    shown = [m for m in metrics if any(w in m.lower() for w in ("loss", "ce", "acc"))] or metrics
    parts: list[str] = []
    for metric in shown[:4]:
        traces = []
        for i, run in enumerate(runs):
            rows = [row for row in run["rows"] if _finite(row.get(metric))]
            if rows:
                x = [next((row[k] for k in ("epoch", "_step") if _finite(row.get(k))), j) for j, row in enumerate(rows)]
                traces.append({"type": "scatter", "mode": "lines+markers", "name": _run_name(run, i), "x": x,
                               "y": [row[metric] for row in rows]})
        parts.append(plots.add(f"curves-{len(parts)}", {
            "data": traces, "layout": {"title": {"text": metric}, "xaxis": {"title": {"text": "epoch"}, "tickformat": "d"},
                                       "yaxis": {"title": {"text": metric}}, "legend": {"font": {"size": 10}}}},
            height=360))
    unread = any(run["notes"] for run in runs)
    table = "".join(f'<tr class="run{" malformed" if run["notes"] else ""}"><td>{_e(_run_name(run, i))}</td>'
                    f'<td>{_e(run["project"] or "")}</td>'
                    f'<td>{_e(", ".join(f"{k}={_value(v)}" for k, v in run["config"].items()))}</td>'
                    f'<td class="num">{len(run["rows"])}</td>'
                    + (f'<td class="warn">{_e("; ".join(run["notes"]))}</td>' if unread else "") + '</tr>'
                    for i, run in enumerate(runs))
    return (f'<section id="runs"><h2>Your experiment tracking: {len(runs)} run(s) logged</h2>'
            f'<p class="sub">Learning curves as your code logged them with wandb.log (the grader\'s offline '
            f'stand-in recorded them).</p><div class="grid">{"".join(parts)}</div>'
            '<table><thead><tr><th>run</th><th>project</th><th>config</th><th>rows logged</th>'
            f'{"<th>malformed: could not be read</th>" if unread else ""}</tr></thead>'
            f'<tbody>{table}</tbody></table></section>')


def _read_runs(found: Any, malformed: list[str]) -> list[dict[str, Any]]:
    """The runs as the section draws them: ``name`` and ``project`` text or None, ``config`` a dict,
    ``rows`` a list of dicts, ``notes`` what of the run could not be read (the run's own ``malformed``
    notes, which record_search writes, and what is of the wrong type here: a result from an older
    grader); each note is said in ``malformed`` too."""
    runs = []
    for i, run in enumerate(_list(found, "the logged runs", malformed)):
        where = f"run {i + 1}"
        if not isinstance(run, Mapping):
            notes = [_unreadable(where, run, "a run record")]
            run = {}
        else:
            given = run.get("malformed")
            notes = [str(n) for n in given] if isinstance(given, list) else (
                [] if given is None else [_unreadable(f"{where}: its notes", given, "a list")])
        read: dict[str, Any] = {"notes": notes}
        for key, kind, what in (("name", str, "text"), ("project", str, "text"), ("config", Mapping, "a dict"),
                                ("rows", list, "a list")):
            value = run.get(key)
            if value is not None and not isinstance(value, kind):
                notes.append(_unreadable(f"{where}: its {'logged rows' if key == 'rows' else key}", value, what))
                value = None
            read[key] = value
        rows = read["rows"] or []
        read["rows"] = [row for row in rows if isinstance(row, Mapping)]
        if len(read["rows"]) < len(rows):
            bad = next(row for row in rows if not isinstance(row, Mapping))
            notes.append(f"{where}: {len(rows) - len(read['rows'])} of its {len(rows)} logged rows could not be "
                         f"read (such as {quoted(bad)}, not a dict)")
        read["config"] = {str(k): v for k, v in (read["config"] or {}).items()}
        malformed.extend(notes)
        runs.append(read)
    return runs


def _run_name(run: Mapping[str, Any], i: int) -> str:
    if run.get("name"):
        return str(run["name"])[:60]
    config = run["config"]
    shown = ", ".join(f"{k}={_value(v)}" for k, v in config.items() if isinstance(v, (int, float, str)))
    return f"run {i + 1}" + (f" ({shown[:50]})" if shown else "")


def _test(t: Any, plots: _Plots, malformed: list[str]) -> str:
    if not isinstance(t, Mapping):
        malformed.append(_unreadable("the test set's figures", t, "a dict"))
        return ""
    figures = _mapping(t.get("figures"), "the test set's figures", malformed)
    bullets: list[str] = []
    for name, f in figures.items():
        if not isinstance(f, Mapping) or not (f.get("value") is None or _finite(f.get("value"))):
            malformed.append(_unreadable(f"the test set's {name}", f, "a figure with a value"))
            continue
        if f.get("value") is None:
            continue
        if _finite(f.get("threshold")):
            bullets.append(plots.add(f"test-{len(bullets)}", _bullet(name, f), height=150))
        else:
            bullets.append(f'<p>{_e(name)}: {_e(_figure(name, f["value"]))}</p>')
    classes = [str(c) for c in _list(t.get("classes"), "the test set's classes", malformed)]
    confusion = t.get("confusion")
    if confusion and not (isinstance(confusion, list) and all(isinstance(row, list) for row in confusion)):
        malformed.append(_unreadable("the confusion matrix", confusion, "a list of rows"))
        confusion = None
    heat = plots.add("confusion", {
        "data": [{"type": "heatmap", "z": confusion, "x": classes, "y": classes, "colorscale": "Blues",
                  "reversescale": True, "texttemplate": "%{z}", "hovertemplate": "true %{y}, predicted %{x}: %{z}<extra></extra>"}],
        "layout": {"xaxis": {"title": {"text": "predicted class"}, "type": "category"},
                   "yaxis": {"title": {"text": "true class"}, "autorange": "reversed", "type": "category"},
                   "margin": {"l": 110, "b": 90, "t": 30}}}, height=520) if confusion else ""
    images = _misclassified(_list(t.get("misclassified"), "the misclassified images", malformed), classes, plots,
                            malformed)
    return (f'<section id="test"><h2>The chosen model on the test set</h2><p class="sub">{_e(t.get("model", ""))} '
            f'&middot; {_e(t.get("profile", ""))} profile &middot; the grader\'s own forward pass (the test set never '
            f'reaches your code)</p>{"".join(bullets)}<h2>Confusion matrix</h2>{heat}'
            f'<h2>Some misclassified test images</h2>{images}</section>')


def _bullet(name: str, f: Mapping[str, Any]) -> dict[str, Any]:
    value, threshold = float(f["value"]), float(f["threshold"])
    floor = float(f["floor"]) if _finite(f.get("floor")) else threshold
    accuracy = "accuracy" in name
    low, high = (min(floor, value, threshold), max(floor, value, threshold))
    span = high - low or 1.0
    scale = 100 if accuracy else 1
    better = "higher" if not f.get("lower_is_better") else "lower"
    steps = [{"range": sorted([floor * scale, threshold * scale]), "color": "#fff8c5"}]
    return {"data": [{"type": "indicator", "mode": "number+gauge", "value": value * scale,
                      "number": {"suffix": "%" if accuracy else "", "valueformat": ".2f" if accuracy else ".4f"},
                      "title": {"text": f"{name}<br><span style='font-size:11px'>threshold {threshold * scale:g}"
                                        f"{'%' if accuracy else ''} ({better} is better), no credit at "
                                        f"{floor * scale:g}{'%' if accuracy else ''}</span>"},
                      "gauge": {"shape": "bullet", "axis": {"range": [(low - 0.15 * span) * scale,
                                                                      (high + 0.15 * span) * scale]},
                                "steps": steps, "bar": {"color": "#0969da"},
                                "threshold": {"line": {"color": "#cf222e", "width": 3}, "value": threshold * scale}}}],
            "layout": {"margin": {"l": 260, "r": 30, "t": 20, "b": 30}}}


def _misclassified(examples: Sequence[Any], classes: Sequence[str], plots: _Plots, malformed: list[str]) -> str:
    usable = []
    for i, e in enumerate(examples):
        if not isinstance(e, Mapping):
            malformed.append(_unreadable(f"misclassified image {i + 1}", e, "an image record"))
        elif e.get("pixels") or e.get("side"):
            side, pixels = e.get("side"), _pixels(e.get("pixels"))
            if _is_int(side) and side > 0 and pixels is not None and len(pixels) >= side * side:
                usable.append({**e, "side": side, "pixels": pixels})
            else:
                malformed.append(f"misclassified image {i + 1} could not be read (its pixels are not "
                                 f"{quoted(side)} by {quoted(side)} base64 bytes)")
    if not usable:
        return "<p>None kept.</p>" if not examples else "<p>(no pixels kept)</p>"
    n = len(usable)
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "annotations": annotations}
    for i, e in enumerate(usable):
        side = e["side"]
        grey = e["pixels"]
        z = [[grey[r * side + c] for c in range(side)] for r in range(side)]
        axis = "" if i == 0 else str(i + 1)
        data.append({"type": "heatmap", "z": z, "colorscale": "Greys", "reversescale": True, "showscale": False,
                     "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "skip"})
        width = 1 / n
        domain = [i * width + 0.01, (i + 1) * width - 0.01]
        layout[f"xaxis{axis}"] = {"domain": domain, "visible": False, "anchor": f"y{axis}"}
        layout[f"yaxis{axis}"] = {"autorange": "reversed", "visible": False, "anchor": f"x{axis}",
                                  "scaleanchor": f"x{axis}"}
        label = _class(classes, e.get("label"))
        predicted = _class(classes, e.get("predicted"))
        annotations.append({"text": f"true {label}<br>predicted {predicted}", "showarrow": False,
                                      "xref": "paper", "yref": "paper", "x": (domain[0] + domain[1]) / 2, "y": 1.0,
                                      "yanchor": "bottom", "font": {"size": 11}})
    return plots.add("misclassified", {"data": data, "layout": layout}, height=200)


def _gradients(g: Any, malformed: list[str]) -> str:
    rows = []
    for block, v in _mapping(g, "the gradient blocks", malformed).items():
        if not isinstance(v, Mapping):
            malformed.append(_unreadable(f"gradient block {block}", v, "a block record"))
            continue
        credit = _number(v.get("credit")) or 0.0
        status = "right" if credit >= 1 else ("partly right" if credit > 0 else "wrong")
        chips = "".join(f'<span class="chip">{_e(m)}</span>'
                        for m in _list(v.get("mistakes"), f"gradient block {block}: its mistakes", malformed))
        error = v.get("largest_error") if _finite(v.get("largest_error")) else None
        rows.append(f'<tr class="block" data-block="{_e(block)}"><td>{_e(block)}</td><td>{_e(status)}</td>'
                    f'<td class="num">{_e(v.get("right"))} of {_e(v.get("networks"))}</td><td>{chips}</td>'
                    f'<td class="num">{"" if error is None else f"{float(error):.3g}"}</td></tr>')
    return ('<section id="gradients"><h2>Gradient blocks</h2><p class="sub">Each block compared with the reference '
            'on hidden random instances; a wrong block is matched against the usual mistakes (summed over the batch, '
            'transposed, regularised, relu\' as sign...).</p><table><thead><tr><th>block</th><th>verdict</th>'
            '<th>random instances right</th><th>mistakes</th><th>largest error</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _pixels(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def _value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _figure(name: str, value: Any) -> str:
    if not _finite(value):
        return "" if value is None else str(value)
    return f"{value:.2%}" if "accuracy" in name else f"{value:.4f}"


def _class(classes: Sequence[str], index: Any) -> str:
    return classes[index] if isinstance(index, int) and 0 <= index < len(classes) else str(index)
