"""Braille plots for the terminal: a time trace and a 2-D path, vectorised with numpy.

Each character cell holds 2 x 4 dots (Unicode braille, U+2800 + bits), so a plot
of W x H cells has 2W x 4H dots. Returns one string per row, top row first, and
a per-cell layer index so a widget can colour what each cell shows.
"""

from __future__ import annotations

import numpy as np

# Bit of the braille dot at (row within the cell 0-3, column 0-1).
_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint16)


def cells(grid: np.ndarray) -> np.ndarray:
    """(4H, 2W) booleans -> (H, W) braille code points."""
    rows, cols = grid.shape
    h, w = rows // 4, cols // 2
    blocks = grid[: h * 4, : w * 2].reshape(h, 4, w, 2)
    return 0x2800 + np.einsum("hiwj,ij->hw", blocks.astype(np.uint16), _BITS)


def to_lines(codes: np.ndarray) -> list[str]:
    return ["".join(map(chr, row)) for row in codes.tolist()]


def trace_grid(
    t_s: np.ndarray, y: np.ndarray, width: int, height: int, t_range, y_range
) -> np.ndarray:
    """Dots of a time trace, connected column to column: (4*height, 2*width) booleans."""
    cols, rows = 2 * width, 4 * height
    grid = np.zeros((rows, cols), dtype=bool)
    ok = np.isfinite(y) & np.isfinite(t_s)
    if not ok.any() or cols == 0 or rows == 0:
        return grid
    t, v = t_s[ok], y[ok]
    (t0, t1), (y0, y1) = t_range, y_range
    col = np.clip(((t - t0) / max(t1 - t0, 1e-9) * cols).astype(int), 0, cols - 1)
    row = np.clip(((y1 - v) / max(y1 - y0, 1e-9) * rows).astype(int), 0, rows - 1)
    lo = np.full(cols, rows)
    hi = np.full(cols, -1)
    np.minimum.at(lo, col, row)
    np.maximum.at(hi, col, row)
    seen = hi >= 0
    # Join each column to the previous one drawn, so steep moves stay a line.
    idx = np.flatnonzero(seen)
    if len(idx) > 1:
        prev_lo, prev_hi = lo[idx[:-1]], hi[idx[:-1]]
        lo[idx[1:]] = np.minimum(lo[idx[1:]], prev_hi)
        hi[idx[1:]] = np.maximum(hi[idx[1:]], prev_lo)
    r = np.arange(rows)[:, None]
    return (r >= lo[None, :]) & (r <= hi[None, :]) & seen[None, :]


def hline_grid(y: float, width: int, height: int, y_range, dashed: bool = True) -> np.ndarray:
    """Dots of a horizontal line at ``y`` (dashed: every other pair of dots)."""
    cols, rows = 2 * width, 4 * height
    grid = np.zeros((rows, cols), dtype=bool)
    y0, y1 = y_range
    if not (y0 <= y <= y1) or rows == 0:
        return grid
    row = min(int((y1 - y) / max(y1 - y0, 1e-9) * rows), rows - 1)
    grid[row] = (np.arange(cols) // 2) % 2 == 0 if dashed else True
    return grid


def path_grid(xy: np.ndarray, width: int, height: int, half_range: float) -> np.ndarray:
    """Dots of a 2-D path centred on 0, ±``half_range`` on both axes (square dots)."""
    cols, rows = 2 * width, 4 * height
    grid = np.zeros((rows, cols), dtype=bool)
    ok = np.isfinite(xy).all(axis=1)
    pts = xy[ok]
    if len(pts) == 0 or rows == 0:
        return grid
    if len(pts) > 1:  # densify so the path is continuous at this resolution
        seg = np.linspace(0.0, 1.0, 4, endpoint=False)
        a, b = pts[:-1], pts[1:]
        pts = np.concatenate(
            [(a[:, None, :] + (b - a)[:, None, :] * seg[None, :, None]).reshape(-1, 2), pts[-1:]]
        )
    span = min(cols, rows)  # square: the same number of dots per degree both ways
    scale = span / (2.0 * max(half_range, 1e-9))
    col = np.round(cols / 2 + pts[:, 0] * scale).astype(int)
    row = np.round(rows / 2 - pts[:, 1] * scale).astype(int)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    grid[row[inside], col[inside]] = True
    return grid
