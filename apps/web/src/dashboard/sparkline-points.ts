/**
 * The polyline `points` of each unbroken run of values (a null, a window without a figure, breaks
 * the line), the newest at the right edge, one step per value slot.
 */
export function sparklinePoints(
  values: readonly (number | null)[],
  width: number,
  height: number,
  floor: number,
): string[] {
  const top = Math.max(floor, ...values.map((value) => value ?? 0));
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
      return;
    }
    const x = (index * step).toFixed(1);
    const y = (height - 1 - (value / top) * (height - 2)).toFixed(1);
    current.push(`${x},${y}`);
  });
  if (current.length) segments.push(current.join(' '));
  return segments;
}
