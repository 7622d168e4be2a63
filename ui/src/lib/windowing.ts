/**
 * Row heights of a long list, with prefix sums in a Fenwick tree so that finding the
 * row at a scroll offset and the offset of a row stay O(log n) at 100 000 rows.
 * Rows not measured yet count with an estimated height.
 */
export class HeightIndex {
  private heights: Float64Array;
  private tree: Float64Array;
  readonly estimate: number;

  constructor(count: number, estimate: number) {
    this.estimate = estimate;
    this.heights = new Float64Array(count).fill(estimate);
    this.tree = new Float64Array(count + 1);
    this.rebuild();
  }

  get count(): number {
    return this.heights.length;
  }

  get total(): number {
    return this.offsetOf(this.count);
  }

  heightOf(index: number): number {
    return this.heights[index] ?? 0;
  }

  /** Records a measured height; returns how much the total changed. */
  set(index: number, height: number): number {
    const old = this.heights[index];
    if (old === undefined || old === height) return 0;
    const delta = height - old;
    this.heights[index] = height;
    for (let i = index + 1; i <= this.count; i += i & -i) this.tree[i] = (this.tree[i] ?? 0) + delta;
    return delta;
  }

  /** Adds `added` rows at the start (older messages); returns their estimated height. */
  prepend(added: number): number {
    const heights = new Float64Array(this.count + added).fill(this.estimate, 0, added);
    heights.set(this.heights, added);
    this.replace(heights);
    return added * this.estimate;
  }

  /** Adds rows at the end (new messages). */
  append(added: number): void {
    const heights = new Float64Array(this.count + added).fill(this.estimate);
    heights.set(this.heights, 0);
    this.replace(heights);
  }

  /** Removes one row. */
  remove(index: number): void {
    if (index < 0 || index >= this.count) return;
    const heights = new Float64Array(this.count - 1);
    heights.set(this.heights.subarray(0, index), 0);
    heights.set(this.heights.subarray(index + 1), index);
    this.replace(heights);
  }

  /** Sum of the heights of rows [0, index). */
  offsetOf(index: number): number {
    let sum = 0;
    for (let i = Math.min(index, this.count); i > 0; i -= i & -i) sum += this.tree[i] ?? 0;
    return sum;
  }

  /** The row that covers vertical position `y` (clamped to the list). */
  indexAt(y: number): number {
    if (this.count === 0) return 0;
    let position = 0;
    let remaining = y;
    for (let step = highestPowerOfTwo(this.count); step > 0; step >>= 1) {
      const next = position + step;
      const partial = this.tree[next] ?? 0;
      if (next <= this.count && partial <= remaining) {
        position = next;
        remaining -= partial;
      }
    }
    return Math.min(position, this.count - 1);
  }

  private replace(heights: Float64Array): void {
    this.heights = heights;
    this.tree = new Float64Array(heights.length + 1);
    this.rebuild();
  }

  private rebuild(): void {
    for (let i = 1; i <= this.count; i++) {
      this.tree[i] = (this.tree[i] ?? 0) + (this.heights[i - 1] ?? 0);
      const parent = i + (i & -i);
      if (parent <= this.count) this.tree[parent] = (this.tree[parent] ?? 0) + (this.tree[i] ?? 0);
    }
  }
}

function highestPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

export interface RowRange {
  /** First row to render. */
  start: number;
  /** One past the last row to render. */
  end: number;
}

/** Which rows to put in the DOM for a viewport, with `overscan` extra rows on each side. */
export function visibleRange(
  index: HeightIndex,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): RowRange {
  if (index.count === 0) return { start: 0, end: 0 };
  const first = index.indexAt(Math.max(0, scrollTop));
  const last = index.indexAt(Math.max(0, scrollTop + viewportHeight));
  return {
    start: Math.max(0, first - overscan),
    end: Math.min(index.count, last + 1 + overscan),
  };
}
