"""The ``gpc eval`` report: ``results.json``, ``results.csv``, rate-distortion plots (PNG and
SVG) and ``index.html``, one self-contained page (images embedded as data URIs).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
from pathlib import Path
from typing import Any

from PIL import Image

from ..atomic import write_atomic
from . import metrics as m

__all__ = ["METRICS", "summary_table", "visible", "write_report"]

#: Per-image metrics: name -> (label, which way is better).
METRICS = {
    "psnr": ("PSNR (dB)", "higher"),
    "ms_ssim": ("MS-SSIM", "higher"),
    "lpips": ("LPIPS", "lower"),
    "dists": ("DISTS", "lower"),
    "clip_similarity": ("CLIP image-image similarity", "higher"),
    "clip_iqa": ("CLIP-IQA (no reference)", "higher"),
}
CSV_FIELDS = ["image", "mode", "family", "status", "width", "height", "pixels", "file_bytes",
              "bpp", "bpp_text", "bpp_reference", "text_payload_bytes",
              "reference_payload_bytes", "container_bytes", "trimmed", *METRICS,
              "psnr_capped"]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def visible(text: str) -> str:
    """HTML for a description: escaped, every invisible character shown as a marked
    ``<U+XXXX>`` (the contact sheet's rule, :func:`refcodec.sheet.visible_text`)."""
    from ..sheet import visible_text

    return visible_text(text)


def _thumb(path: Path, side: int = 320) -> str:
    with Image.open(path) as image:
        image.load()
        small = image.convert("RGB")
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _per_mode(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mode -> {family, n, mean bpp, mean of each metric over the images that have it}."""
    table: dict[str, dict[str, Any]] = {}
    for record in records:
        for name, row in record["modes"].items():
            entry = table.setdefault(name, {"family": row.get("family"), "values": {}})
            if row.get("status") != "done":
                continue
            entry["values"].setdefault("bpp", []).append(row["bpp"])
            for metric in METRICS:
                value = _number(row.get("metrics", {}).get(metric))
                if value is not None:
                    entry["values"].setdefault(metric, []).append(value)
    summary = {}
    for name, entry in table.items():
        values = entry["values"]
        summary[name] = {"family": entry["family"], "images": len(values.get("bpp", [])),
                         **{k: sum(v) / len(v) for k, v in values.items()}}
    return summary


def _set_metrics(records: list[dict[str, Any]], modes: list[str],
                 unavailable: str | None) -> dict[str, Any]:
    originals = [r["original_metrics"]["_features"] for r in records
                 if "_features" in r.get("original_metrics", {})]
    out: dict[str, Any] = {}
    for mode in modes:
        tests = [r["modes"][mode]["metrics"]["_features"] for r in records
                 if "_features" in r["modes"].get(mode, {}).get("metrics", {})]
        if not originals:
            reason = f"not available: {unavailable or 'no Inception features'}"
            out[mode] = {"fid": reason, "kid": reason}
            continue
        out[mode] = m.set_metrics(originals, tests)
    return out


def _strip(value: Any) -> Any:
    """The record without the pooled features (kept in the item files only)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "_features"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _plots(out: Path, records: list[dict[str, Any]], summary: dict[str, Any],
           set_metrics: dict[str, Any]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "gpc-eval"
    written = []
    targets: dict[str, tuple[str, str]] = dict(METRICS)
    for name in ("fid", "kid"):
        targets[name] = (name.upper() + " (over the set)", "lower")
    for metric, (label, better) in targets.items():
        points: dict[str, list[tuple[float, float]]] = {}
        for mode, row in summary.items():
            if metric in ("fid", "kid"):
                value = _number(set_metrics.get(mode, {}).get(metric))
                if value is not None and "bpp" in row:
                    points[mode] = [(row["bpp"], value)]
                continue
            for record in records:
                item = record["modes"].get(mode, {})
                value = _number(item.get("metrics", {}).get(metric))
                if item.get("status") == "done" and value is not None:
                    points.setdefault(mode, []).append((item["bpp"], value))
        if not points:
            continue
        figure, axes = plt.subplots(figsize=(7, 4.5), dpi=100)
        for index, (mode, values) in enumerate(sorted(points.items())):
            family = summary[mode]["family"]
            marker = "o" if family == "gpc" else "s"
            xs, ys = zip(*values, strict=True)
            axes.scatter(xs, ys, marker=marker, alpha=0.35, color=f"C{index % 10}")
            mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
            axes.scatter([mean_x], [mean_y], marker=marker, s=90, color=f"C{index % 10}",
                         edgecolors="black", label=f"{mode} ({family})")
        axes.set_xscale("log")
        axes.set_xlabel("bits per pixel (log scale)")
        axes.set_ylabel(f"{label}, {better} is better")
        axes.set_title(f"Rate-distortion: {label}")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=7, loc="best")
        figure.tight_layout()
        for suffix in ("png", "svg"):
            buffer = io.BytesIO()
            figure.savefig(buffer, format=suffix, metadata={"Date": None} if suffix == "svg"
                           else None)
            write_atomic(out / f"rd-{metric}.{suffix}", buffer.getvalue())
        plt.close(figure)
        written.append(metric)
    return written


def summary_table(results: dict[str, Any]) -> str:
    """A plain-text table, one row per mode: images, mean bpp and mean metrics."""
    names = ["mode", "images", "bpp", *METRICS, "fid", "kid"]
    rows = [names]
    for mode, row in results["summary"].items():
        cells = [mode, str(row["images"])]
        for name in names[2:]:
            value = results["set_metrics"].get(mode, {}).get(name) if name in ("fid", "kid") \
                else row.get(name)
            number = _number(value)
            cells.append("-" if number is None else (f"{number:.5f}" if name == "bpp"
                                                     else f"{number:.4f}"))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(names))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _csv(out: Path, records: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        for mode, row in record["modes"].items():
            cells = {k: record[k] for k in ("image", "width", "height", "pixels")}
            cells.update(mode=mode, family=row.get("family"), status=row.get("status"))
            for key in CSV_FIELDS[7:15]:
                if key in row:
                    cells[key] = row[key]
            for key in (*METRICS, "psnr_capped"):
                value = row.get("metrics", {}).get(key)
                cells[key] = value if isinstance(value, int | float) else ""
            writer.writerow(cells)
    write_atomic(out / "results.csv", buffer.getvalue().encode())


def write_report(out: Path, records: list[dict[str, Any]], run: dict[str, Any]
                 ) -> dict[str, Any]:
    """Write results.json, results.csv, the plots and index.html; return the results."""
    summary = _per_mode(records)
    set_metrics = _set_metrics(records, list(summary),
                               run.get("metrics_unavailable", {}).get("inception_features"))
    results = {
        "tool": "gpc eval",
        "notes": {
            "bpp": "file bytes x 8 / source pixels; bpp_text and bpp_reference count the "
                   "text and image chunk payloads, the rest is container overhead",
            "psnr": f"RGB 8-bit; identical images (MSE 0) are reported as {m.PSNR_CAP_DB} dB "
                    "with psnr_capped true",
            "not available": "a metric given as a string was not computed; the string says "
                             "why and how to make it available",
        },
        **run,
        "library_versions": m.library_versions(),
        "summary": summary,
        "set_metrics": set_metrics,
        "items": _strip(records),
    }
    write_atomic(out / "results.json", json.dumps(results, indent=1, sort_keys=False,
                                                  allow_nan=False).encode())
    _csv(out, records)
    plotted = _plots(out, records, summary, set_metrics)
    write_atomic(out / "index.html", _html(out, results, plotted).encode("utf-8"))
    return results


def _fmt(value: Any) -> str:
    number = _number(value)
    if number is not None:
        return f"{number:.4g}" if abs(number) >= 1e-3 or number == 0 else f"{number:.3e}"
    if value is None:
        return "-"
    return f'<span class="na" title="{html.escape(str(value))}">n/a</span>'


def _html(out: Path, results: dict[str, Any], plotted: list[str]) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>GPC evaluation report</title><style>",
        "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111;background:#fff}",
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;",
        "padding:2px 6px;text-align:right}th{background:#eee}td:first-child{text-align:left}",
        ".row{display:flex;gap:10px;flex-wrap:wrap;align-items:flex-start}",
        "figure{margin:0;border:1px solid #ccc;padding:4px;background:#fafafa}",
        "figcaption{font-size:12px;max-width:320px}img{display:block}",
        "pre{white-space:pre-wrap;max-width:60em;background:#f4f4f4;padding:6px}",
        ".ctl{background:#fc0;color:#000;font-weight:bold}.na{color:#888}",
        ".empty{width:200px;height:120px;display:flex;align-items:center;",
        "justify-content:center;color:#666;background:#eee;font-size:12px;text-align:center}",
        "</style></head><body>",
        "<h1>GPC evaluation report</h1>",
        (f"<p>{len(results['items'])} image(s); renderer <b>"
        f"{html.escape(str(results['settings']['renderer']))}</b>; descriptions: "
        f"{html.escape(str(results['settings']['describe']))}; budget: max-bytes "
        f"{results['settings']['max_bytes']}, target-bpp {results['settings']['target_bpp']}"
        "</p>"),
    ]
    if results["metrics_unavailable"]:
        parts.append("<h2>Metrics not available</h2><ul>")
        parts += [f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
                  for k, v in results["metrics_unavailable"].items()]
        parts.append("</ul>")
    parts.append("<h2>Summary (means over images)</h2><table><tr><th>mode</th><th>images"
                 "</th><th>bpp</th>" + "".join(f"<th>{html.escape(v[0])}</th>"
                                               for v in METRICS.values())
                 + "<th>FID</th><th>KID</th></tr>")
    for mode, row in results["summary"].items():
        sets = results["set_metrics"].get(mode, {})
        parts.append(f"<tr><td>{html.escape(mode)}</td><td>{row['images']}</td><td>"
                     f"{_fmt(row.get('bpp'))}</td>"
                     + "".join(f"<td>{_fmt(row.get(k))}</td>" for k in METRICS)
                     + f"<td>{_fmt(sets.get('fid'))}</td><td>{_fmt(sets.get('kid'))}</td></tr>")
    parts.append("</table><h2>Rate-distortion</h2><div class='row'>")
    for metric in plotted:
        data = base64.b64encode((out / f"rd-{metric}.png").read_bytes()).decode()
        parts.append(f"<figure><img alt='rate-distortion {metric}' width='525' "
                     f"src='data:image/png;base64,{data}'><figcaption>rd-{metric}.png / "
                     f".svg</figcaption></figure>")
    parts.append("</div><h2>Images</h2>")
    for record in results["items"]:
        parts.append(f"<h3>{html.escape(record['image'])} ({record['width']}x"
                     f"{record['height']}, descriptions: "
                     f"{html.escape(record['description_source'])})</h3>")
        parts.append(f"<div class='row'><figure><img alt='original' src='"
                     f"{_thumb(out / 'files' / record['key'] / 'original.jpg')}'>"
                     "<figcaption>original</figcaption></figure></div>")
        parts.append("<table><tr><th>mode</th><th>bytes</th><th>bpp</th><th>text B</th>"
                     "<th>ref B</th>" + "".join(f"<th>{html.escape(v[0])}</th>"
                                                for v in METRICS.values()) + "</tr>")
        for mode, row in record["modes"].items():
            if row.get("status") != "done":
                parts.append(f"<tr><td>{html.escape(mode)}</td><td colspan='10' "
                             f"style='text-align:left'>{html.escape(row.get('status', ''))}"
                             "</td></tr>")
                continue
            metrics = row.get("metrics", {})
            parts.append(f"<tr><td>{html.escape(mode)}</td><td>{row['file_bytes']}</td><td>"
                         f"{_fmt(row['bpp'])}</td><td>{row.get('text_payload_bytes', '-')}"
                         f"</td><td>{row.get('reference_payload_bytes', '-')}</td>"
                         + "".join(f"<td>{_fmt(metrics.get(k))}</td>" for k in METRICS)
                         + "</tr>")
        parts.append("</table><div class='row'>")
        for mode, row in record["modes"].items():
            if row.get("status") != "done":
                continue
            render = (f"<img alt='render {html.escape(mode)}' src='"
                      f"{_thumb(out / row['render'])}'>" if row.get("render") else
                      "<div class='empty'>no render (text-only file, preview renderer)</div>")
            ref = out / Path(row["file"]).with_suffix(".reference.png")
            reference = (f"<img alt='reference {html.escape(mode)}' src='{_thumb(ref, 160)}'>"
                         if row.get("reference_payload_bytes") and ref.is_file() else "")
            parts.append(f"<figure>{render}{reference}<figcaption>{html.escape(mode)}: "
                         f"{row['file_bytes']} B, {row['bpp']:.5f} bpp</figcaption></figure>")
        parts.append("</div>")
        for kind, text in record.get("descriptions", {}).items():
            parts.append(f"<p>{html.escape(kind)} description:</p><pre>{visible(text)}</pre>")
    parts.append("<h2>Settings, models, versions</h2><pre>"
                 + html.escape(json.dumps({k: results[k] for k in
                                           ("settings", "models", "library_versions",
                                            "notes")}, indent=1)) + "</pre></body></html>")
    return "\n".join(parts)
