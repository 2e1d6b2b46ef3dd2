/** The median of `xs` (any order; the mean of the middle two when the count is even). */
export function median(xs: readonly number[]): number {
  if (!xs.length) throw new Error('median of no numbers');
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
