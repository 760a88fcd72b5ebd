/**
 * The sum of the series of `name` in a Prometheus text exposition whose labels include every one
 * of `labels` (others may be there too), or undefined when no series matches.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const series = parseSeries(line);
    if (!series || series.name !== name) continue;
    if (!Object.entries(labels).every(([key, value]) => series.labels[key] === value)) continue;
    sum = (sum ?? 0) + series.value;
  }
  return sum;
}

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSeries(line: string): Series | undefined {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
  if (!match) return undefined;
  const labels: Record<string, string> = {};
  for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    labels[key] = value.replace(/\\(.)/g, '$1');
  return { name: match[1], labels, value: Number(match[3]) };
}
