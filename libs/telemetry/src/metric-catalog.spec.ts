import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { METRICS, type MetricDefinition } from './metric-catalog';
import { counter, histogram, observableGauge, upDownCounter } from './metrics';
import { startTelemetry } from './start-telemetry';

const telemetry = startTelemetry('metric-catalog-spec');
const DEPLOY = path.resolve(__dirname, '..', '..', '..', 'deploy');
const read = (file: string) => readFileSync(path.join(DEPLOY, file), 'utf8');

interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
}

interface RuleFile {
  groups: { rules: { alert: string; expr: string; annotations: { runbook_url: string } }[] }[];
}

describe('the metric catalogue and what refers to it', () => {
  let exported: Set<string>;

  beforeAll(async () => {
    exported = await exportedNames(Object.values(METRICS));
  });
  afterAll(() => telemetry.shutdown());

  it('reads the metric names of a query, and no function, keyword, label or string', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, provider) (rate(availability_sync_lag_bucket{provider=~"go.*"}[5m]))) > 60000',
      ),
    ).toEqual(['availability_sync_lag_bucket']);
    expect(
      metricNamesIn(
        'sum(rate(a_total[5m])) / (sum(rate(a_total[5m])) + sum without (x) (b_total offset 1h)) and on (provider) c',
      ),
    ).toEqual(['a_total', 'b_total', 'c']);
  });

  it('names every metric once', () => {
    const names = Object.values(METRICS).map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('has the Grafana dashboard query only metrics the services export', () => {
    const dashboard = JSON.parse(read('grafana/dashboards/calldesk.json')) as Dashboard;
    const queries = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
    );
    expect(queries.length).toBeGreaterThan(0);
    for (const { panel, expr } of queries) {
      const names = metricNamesIn(expr);
      expect({ panel, unknown: names.filter((name) => !exported.has(name)), some: names.length > 0 }).toEqual({
        panel,
        unknown: [],
        some: true,
      });
    }
  });

  it('has every alert rule query only exported metrics and name a runbook entry that exists', () => {
    const rules = (parse(read('prometheus/alerts.yml')) as RuleFile).groups.flatMap((group) => group.rules);
    const runbook = read('runbook.md');
    const anchors = new Set(
      [...runbook.matchAll(/^## (.+)$/gm)].map(([, heading]) =>
        heading
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'OutboxStuck',
        'ProviderBreakerOpen',
        'NeedsReauthRising',
        'SyncLagHigh',
        'EventsDeadLettered',
      ]),
    );
    for (const rule of rules) {
      const names = metricNamesIn(rule.expr);
      expect({
        alert: rule.alert,
        unknown: names.filter((name) => !exported.has(name)),
        some: names.length > 0,
      }).toEqual({ alert: rule.alert, unknown: [], some: true });
      expect(rule.annotations.runbook_url).toBe(`deploy/runbook.md#${rule.alert.toLowerCase()}`);
      expect(anchors).toContain(rule.alert.toLowerCase());
    }
  });

  it('has deploy/README.md name every metric', () => {
    const readme = read('README.md');
    const missing = Object.values(METRICS)
      .map((metric) => metric.name.replace(/\./g, '_'))
      .filter((name) => !readme.includes(`\`${name}`));
    expect(missing).toEqual([]);
  });
});

/**
 * The series names Prometheus scrapes for these metrics, as this process's own exporter writes
 * them (`_total` on counters, `_bucket`/`_sum`/`_count` on histograms): each is recorded once.
 */
async function exportedNames(definitions: MetricDefinition[]): Promise<Set<string>> {
  for (const definition of definitions) {
    if (definition.kind === 'counter') counter({ ...definition, kind: 'counter' }).add(1);
    if (definition.kind === 'up_down_counter') upDownCounter({ ...definition, kind: 'up_down_counter' }).add(1);
    if (definition.kind === 'histogram') histogram({ ...definition, kind: 'histogram' }).record(1);
    if (definition.kind === 'gauge')
      observableGauge({ ...definition, kind: 'gauge' }).addCallback((result) => result.observe(1));
  }
  const text = await telemetry.metrics.prometheusText();
  return new Set(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0])
      .filter((name) => name !== 'target_info'),
  );
}

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions, keywords,
 * label names (inside braces or a `by (...)` list) or quoted strings.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\boffset\s+\w+/g, '');
  const names = [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)].map(([, name]) => name);
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name.toLowerCase())))];
}
