// A small hand-drawn SVG bar chart: one bar per bucket, named for screen readers, with the
// numbers also in a hidden table so they can be read row by row.
export interface Bar {
  label: string;
  value: number;
}

interface Props {
  title: string;
  bars: Bar[];
  /** How a value reads, e.g. "3 plays". */
  format?: (value: number) => string;
  height?: number;
}

const WIDTH = 600;
const AXIS = 18;
const MAX_LABELS = 8;

export function BarChart({ title, bars, format = String, height = 160 }: Props) {
  const peak = Math.max(0, ...bars.map((bar) => bar.value));
  const max = Math.max(1, peak);
  const step = bars.length ? WIDTH / bars.length : WIDTH;
  const plot = height - AXIS;
  const every = Math.max(1, Math.ceil(bars.length / MAX_LABELS));
  const total = bars.reduce((sum, bar) => sum + bar.value, 0);
  return (
    <figure className="chart">
      <svg
        role="img"
        aria-label={`${title}: ${format(total)} over ${bars.length} ${bars.length === 1 ? "bucket" : "buckets"}, highest ${format(peak)}`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
      >
        <line x1={0} x2={WIDTH} y1={plot} y2={plot} className="axis" />
        {bars.map((bar, index) => {
          const h = (bar.value / max) * (plot - 4);
          return (
            <rect
              key={bar.label}
              data-testid="bar"
              x={index * step + step * 0.1}
              y={plot - h}
              width={step * 0.8}
              height={h}
            >
              <title>{`${bar.label}: ${format(bar.value)}`}</title>
            </rect>
          );
        })}
        {bars.map((bar, index) =>
          index % every === 0 ? (
            <text key={bar.label} data-testid="bar-label" x={index * step + step / 2} y={height - 4} textAnchor="middle">
              {bar.label}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption>{title}</figcaption>
      <table className="sr-only">
        <caption>{title}</caption>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.label}>
              <th scope="row">{bar.label}</th>
              <td>{format(bar.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
