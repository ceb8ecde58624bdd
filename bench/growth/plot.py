"""Plot what ``grow.py`` measured: CPU per request of each page against the network's size.

    .venv/bin/python bench/growth/plot.py docs/performance/growth-sqlite.json [more.json …]

Writes an SVG beside each JSON file (``growth-sqlite.svg``): one panel per user, the number of
bank items on a logarithmic x axis (the school count under each size), CPU milliseconds per
request on the y axis, one line per page. A page whose cost grows with N shows as a rising line;
a flat cost as a flat one. Plain SVG written here (a handful of lines and labels), so the docs
need no plotting library and the file diffs as text.
"""

import json
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 460, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 36, 52
COLOURS = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22",
    "#393b79", "#e7969c",
]  # fmt: skip


def _nice_top(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above ``value`` (the y axis' top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def panel(rows: list[dict], user: str, x0: float) -> list[str]:
    """One user's chart, drawn with its left edge at ``x0``."""
    mine = [r for r in rows if r["user"] == user]
    sizes = sorted({(r["items"], r["schools"]) for r in mine})
    pages = list(dict.fromkeys(r["page"] for r in mine))
    if not sizes:
        return []
    low, high = math.log10(sizes[0][0]), math.log10(sizes[-1][0])
    span = (high - low) or 1.0
    top = _nice_top(max(r["cpu_ms"] for r in mine) * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(items: int) -> float:
        return x0 + LEFT + (math.log10(items) - low) / span * plot_w

    def y(ms: float) -> float:
        return TOP + plot_h - ms / top * plot_h

    out = [
        f'<text x="{x0 + LEFT}" y="20" font-size="13" font-weight="bold">{escape(user)}</text>',
        f'<rect x="{x0 + LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>',
    ]
    for tick in range(5):
        ms = top * tick / 4
        out.append(
            f'<line x1="{x0 + LEFT}" x2="{x0 + LEFT + plot_w}" y1="{y(ms):.1f}" y2="{y(ms):.1f}" '
            'stroke="#eee"/>'
        )
        out.append(
            f'<text x="{x0 + LEFT - 6}" y="{y(ms) + 4:.1f}" font-size="10" text-anchor="end">{ms:g}</text>'
        )
    for items, schools in sizes:
        out.append(
            f'<text x="{x(items):.1f}" y="{TOP + plot_h + 14}" font-size="10" text-anchor="middle">'
            f"{items // 1000:,} k</text>"
        )
        out.append(
            f'<text x="{x(items):.1f}" y="{TOP + plot_h + 26}" font-size="9" fill="#666" '
            f'text-anchor="middle">{schools} 校</text>'
        )
    out.append(
        f'<text x="{x0 + LEFT + plot_w / 2}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle">'
        "bank items (log scale) · schools</text>"
    )
    out.append(
        f'<text x="{x0 + 14}" y="{TOP + plot_h / 2}" font-size="10" text-anchor="middle" '
        f'transform="rotate(-90 {x0 + 14} {TOP + plot_h / 2})">CPU ms per request</text>'
    )
    for n, page in enumerate(pages):
        colour = COLOURS[n % len(COLOURS)]
        points = sorted((r["items"], r["cpu_ms"]) for r in mine if r["page"] == page)
        path = " ".join(f"{x(items):.1f},{y(ms):.1f}" for items, ms in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
        out += [
            f'<circle cx="{x(items):.1f}" cy="{y(ms):.1f}" r="2.4" fill="{colour}"/>' for items, ms in points
        ]
        legend_y = TOP + 6 + n * 15
        out.append(
            f'<line x1="{x0 + LEFT + plot_w + 10}" x2="{x0 + LEFT + plot_w + 24}" y1="{legend_y}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>'
        )
        out.append(
            f'<text x="{x0 + LEFT + plot_w + 28}" y="{legend_y + 4}" font-size="10">{escape(page)}</text>'
        )
    return out


def svg(rows: list[dict]) -> str:
    users = list(dict.fromkeys(r["user"] for r in rows))
    body = []
    for n, user in enumerate(users):
        body += panel(rows, user, n * WIDTH)
    vendor = rows[0]["vendor"] if rows else ""
    title = f"Cost as the network grows ({vendor}): CPU per request, median of the timed rounds"
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * max(len(users), 1)}" '
            f'height="{HEIGHT + 20}" font-family="sans-serif">',
            f"<title>{escape(title)}</title>",
            '<rect width="100%" height="100%" fill="white"/>',
            f'<g transform="translate(0,20)">{"".join(body)}</g>',
            f'<text x="8" y="14" font-size="12">{escape(title)}</text>',
            "</svg>",
            "",
        ]
    )


def main(paths: list[str]) -> None:
    for name in paths:
        source = Path(name)
        rows = json.loads(source.read_text(encoding="utf-8"))
        target = source.with_suffix(".svg")
        target.write_text(svg(rows), encoding="utf-8")
        print(f"wrote {target} ({len(rows)} measurements)")


if __name__ == "__main__":
    main(sys.argv[1:] or sys.exit(__doc__))
