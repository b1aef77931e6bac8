import { sparklinePoints } from './sparkline-points';

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
