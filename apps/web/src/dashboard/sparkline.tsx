/** A small line chart of the last values, scaled to their own maximum (at least `floor`). */
export function Sparkline(props: {
  values: readonly (number | null)[];
  width?: number;
  height?: number;
  floor?: number;
  label: string;
}) {
  const width = props.width ?? 160;
  const height = props.height ?? 36;
  const points = sparklinePoints(props.values, width, height, props.floor ?? 1);
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={props.label}
    >
      {points.map((segment, index) => (
        <polyline
          key={index}
          points={segment}
          fill="none"
          stroke="currentColor"
          strokeWidth={1.5}
        />
      ))}
    </svg>
  );
}

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
