/**
 * docs/grafana/chut-dashboard.json must import into Grafana and query only metrics chut exports.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import client from 'prom-client';
import { createMetrics } from '../../../src/http/index.js';

/** The agreed metric names and their labels (the HTTP engineer's registry exports exactly these). */
const CHUT_METRICS: Record<string, string[]> = {
  chut_calls_total: ['pbx', 'action', 'route', 'rule'],
  chut_captcha_outcomes_total: ['outcome'],
  chut_decision_latency_seconds: [],
  chut_degraded_decisions_total: [],
  chut_shadow_decisions_total: [],
  chut_pbx_connection_up: ['adapter'],
  chut_redis_errors_total: ['operation'],
  chut_auto_blocks_total: [],
  chut_pbx_calls_unscreened_total: ['adapter', 'reason'],
};
const HISTOGRAMS = ['chut_decision_latency_seconds'];
/** Labels Prometheus adds to every scraped series. */
const SCRAPE_LABELS = ['instance', 'job'];
const PROMQL_FUNCTIONS = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'clamp_min', 'sort_desc', 'label_values', 'max', 'min', 'avg']);

async function defaultMetricNames(): Promise<string[]> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'chut_' });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  return names;
}

function knownLabels(metric: string): string[] {
  const base = metric.replace(/_(bucket|sum|count)$/, '');
  const labels = CHUT_METRICS[base] ?? CHUT_METRICS[metric] ?? [];
  return [...labels, ...SCRAPE_LABELS, ...(metric.endsWith('_bucket') ? ['le'] : [])];
}

interface Dashboard {
  __inputs: Array<{ name: string; pluginId: string }>;
  schemaVersion: number;
  uid: string;
  panels: Array<Record<string, unknown> & { id: number; type: string; title: string; gridPos: { x: number; w: number; h: number; y: number } }>;
  templating: { list: Array<Record<string, unknown>> };
}

const dashboard = JSON.parse(readFileSync('docs/grafana/chut-dashboard.json', 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs: string[] = queryPanels.flatMap((p) => (p.targets as Array<{ expr: string }>).map((t) => t.expr));

/** Metric names and the label names in their matchers, from one PromQL expression. */
function analyse(expr: string): { metrics: Array<{ name: string; labels: string[] }>; functions: string[]; groupLabels: string[] } {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const metrics: Array<{ name: string; labels: string[] }> = [];
  const functions: string[] = [];
  const groupLabels: string[] = [];
  for (const m of noStrings.matchAll(/\b(by|without)\s*\(([^)]*)\)/g)) groupLabels.push(...m[2]!.split(',').map((s) => s.trim()).filter(Boolean));
  const body = noStrings.replace(/\b(by|without)\s*\([^)]*\)/g, ' ').replace(/\[[^\]]*\]/g, ' ')
    .replace(/(?<![A-Za-z0-9_:.])\d+(\.\d+)?(e[+-]?\d+)?/gi, ' ');
  for (const m of body.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?\s*(\()?/g)) {
    const [, name, matchers, call] = m;
    if (call && !matchers) functions.push(name!);
    else metrics.push({ name: name!, labels: [...(matchers ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1]!) });
  }
  return { metrics, functions, groupLabels };
}

describe('Grafana dashboard', () => {
  it('is importable: Prometheus input, schema version, unique ids, panels inside the 24-column grid', () => {
    expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }));
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      expect((p.targets as unknown[]).length, p.title).toBeGreaterThan(0);
    }
  });

  it('queries only metric names chut exports, with their own labels', async () => {
    const defaults = await defaultMetricNames();
    const allowed = new Set([
      ...Object.keys(CHUT_METRICS),
      ...HISTOGRAMS.flatMap((h) => ['_bucket', '_sum', '_count'].map((s) => h + s)),
      ...defaults,
    ]);
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const { metrics, functions, groupLabels } = analyse(expr);
      expect(metrics.length, expr).toBeGreaterThan(0);
      for (const f of functions) expect(PROMQL_FUNCTIONS.has(f), `${f} in ${expr}`).toBe(true);
      for (const m of metrics) {
        expect(allowed.has(m.name), `unknown metric ${m.name} in ${expr}`).toBe(true);
        for (const l of m.labels) expect(knownLabels(m.name), `label ${l} of ${m.name}`).toContain(l);
      }
      const labelsInScope = metrics.flatMap((m) => knownLabels(m.name));
      for (const l of groupLabels) expect(labelsInScope, `grouping label ${l} in ${expr}`).toContain(l);
    }
  });

  it('covers every chut metric: routes, rules, captcha, latency percentiles, degraded, unscreened, PBX, Redis, auto-blocks', () => {
    const used = new Set(exprs.flatMap((e) => analyse(e).metrics.map((m) => m.name)));
    for (const name of Object.keys(CHUT_METRICS).filter((n) => !HISTOGRAMS.includes(n))) expect(used, name).toContain(name);
    expect(used).toContain('chut_decision_latency_seconds_bucket');
    const all = exprs.join('\n');
    expect(all).toMatch(/histogram_quantile\(0\.5,/);
    expect(all).toMatch(/histogram_quantile\(0\.99,/);
    expect(all).toMatch(/sum by \(route\)/);
    expect(all).toMatch(/sum by \(rule\)/);
  });

  it('uses the names and labels the real metrics registry declares', () => {
    const { registry } = createMetrics();
    for (const [name, labels] of Object.entries(CHUT_METRICS)) {
      const metric = registry.getSingleMetric(name) as unknown as { labelNames?: string[] } | undefined;
      expect(metric, name).toBeDefined();
      expect([...(metric!.labelNames ?? [])].sort(), name).toEqual([...labels].sort());
    }
  });

  it('its template variable reads the pbx label of chut_calls_total', () => {
    const pbx = dashboard.templating.list.find((v) => v.name === 'pbx');
    expect(pbx?.definition).toBe('label_values(chut_calls_total, pbx)');
  });
});
