import { describe, expect, it } from 'vitest';
import { HeightIndex, visibleRange } from './windowing';

describe('the row height index', () => {
  it('finds the row under a scroll position among 100 000 estimated rows', () => {
    const index = new HeightIndex(100_000, 50);
    expect(index.total).toBe(5_000_000);
    expect(index.indexAt(0)).toBe(0);
    expect(index.indexAt(49)).toBe(0);
    expect(index.indexAt(50)).toBe(1);
    expect(index.indexAt(2_500_025)).toBe(50_000);
    expect(index.indexAt(10_000_000)).toBe(99_999);
  });

  it('moves every later row down when a row is measured taller', () => {
    const index = new HeightIndex(1000, 50);
    expect(index.set(10, 150)).toBe(100);
    expect(index.offsetOf(10)).toBe(500);
    expect(index.offsetOf(11)).toBe(650);
    expect(index.indexAt(600)).toBe(10);
    expect(index.total).toBe(50_100);
  });

  it('keeps measured heights when older rows are added at the top', () => {
    const index = new HeightIndex(3, 50);
    index.set(0, 80);
    expect(index.prepend(2)).toBe(100);
    expect(index.count).toBe(5);
    expect(index.heightOf(2)).toBe(80);
    expect(index.offsetOf(3)).toBe(180);
  });

  it('shortens the list when a row is removed', () => {
    const index = new HeightIndex(3, 50);
    index.set(1, 90);
    index.remove(1);
    expect(index.count).toBe(2);
    expect(index.total).toBe(100);
  });
});

describe('the visible range', () => {
  it('covers only the viewport and a few rows around it', () => {
    const index = new HeightIndex(100_000, 50);
    const range = visibleRange(index, 1_000_000, 600, 5);
    expect(range).toEqual({ start: 19_995, end: 20_018 });
    expect(range.end - range.start).toBeLessThan(30);
  });

  it('is empty for an empty list and clamped at both ends', () => {
    expect(visibleRange(new HeightIndex(0, 50), 0, 600, 5)).toEqual({ start: 0, end: 0 });
    const index = new HeightIndex(10, 50);
    expect(visibleRange(index, 0, 600, 5)).toEqual({ start: 0, end: 10 });
  });
});
