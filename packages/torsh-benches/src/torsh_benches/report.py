"""Text tables of benchmark rows and one PNG bar chart of the torsh ratios."""


def table(rows, columns=None):
    """Rows (dicts with a ``case``) as a fixed-width text table; missing values print as ``-``."""
    if not rows:
        return "(no results)"
    columns = columns or [k for k in rows[0] if k != "case"]
    width = max(len(str(r["case"])) for r in rows)
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = [f"{'case':<{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(columns, widths))]
    for r, row in zip(rows, cells):
        lines.append(f"{r['case']:<{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(row, widths)))
    return "\n".join(lines)


def _cell(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def ratios(results):
    """[(label, torsh/torch)] for every row of every section that has one: higher is better for torsh."""
    out = []
    for section, rows in results.items():
        for r in rows if isinstance(rows, list) else []:
            value = r.get("torsh_vs_torch")
            if value:
                # overhead is a time (lower is better): invert it so that every bar reads "higher is better"
                out.append((f"{section}: {r['case']}", round(1 / value, 2) if section == "overhead" else value))
    return out


def chart(results, path):
    """Draw the ratios as horizontal bars (1.0 = as fast as torch); False without matplotlib or torch ratios."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    pairs = ratios(results)
    if not pairs:
        return False
    labels, values = zip(*pairs)
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(pairs) + 1.5))
    ax.barh(range(len(values)), values, color=["tab:green" if v >= 1 else "tab:red" for v in values])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("torsh speed / torch speed (same run; > 1 means torsh is faster)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
