/**
 * Prometheus metrics (prom-client). One Registry per instance (no global default registry), so tests and
 * several chut instances in one process never collide. The metric names are a public interface: the
 * Grafana dashboard uses exactly these.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallRecord, CaptchaOutcome } from '../reputation/types.js';
import type { AdapterCounters, ConnectionStatus, InboundCall, ScreeningDecision, ScreeningObserver, UnscreenedReason } from '../screening/types.js';
import { API_STORE_OPERATIONS, OTHER_OPERATION, type InternalErrorOperation } from './store-operations.js';

export interface Metrics extends ScreeningObserver, AdapterCounters {
  setAdapterStatus(name: string, status: ConnectionStatus): void;
  redisError(operation: string): void;
  /** An HTTP API request answered `500 internal` (a bug in chut, or data damaged under its Redis prefix), by the store
   * operation that failed, else its route's, else `other`. */
  internalError(operation: InternalErrorOperation): void;
  /** A `POST /api/import` refused: the most imports at once (http.maxConcurrentImports) were in progress. */
  importRefused(): void;
  /** A `GET /api/export` refused: the most exports at once (http.maxConcurrentExports) were in progress. */
  exportRefused(): void;
  render(): Promise<string>;
  readonly contentType: string;
  readonly registry: Registry;
}

const CAPTCHA_OUTCOMES: CaptchaOutcome[] = ['passed', 'failed', 'hung-up', 'timeout'];
const FINAL_ROUTES = ['ring', 'voicemail', 'reject', 'hung-up'] as const;
/** The store operations of the call path (the HTTP API counts its own under their route's name). */
const CALL_PATH_OPERATIONS = ['lookup', 'lookup-deadline', 'recordCall', 'applyOutcome', 'enrichCall'];

/**
 * The series to create at zero: Prometheus' rate() and increase() count nothing for a series' first sample, so a
 * counter that appears at 1 loses its first event on every dashboard (on a home line, most of them: each PBX × rule
 * × route combination is rare). Every combination the policy can produce is known at start.
 */
export interface MetricsSeed {
  /** The PBX labels of the enabled adapters (`asterisk-ari`, `asterisk-ami`, `freeswitch`). */
  pbx: readonly string[];
  /** Each rule that can decide a call, with its action: the policy's rules, `default`, `fail-open`. */
  decisions: ReadonlyArray<{ rule: string; action: string }>;
  /** The enabled adapters a PBX connects to (`esl`), whose refused connections are counted. */
  listeners?: readonly string[];
  /** Why each enabled adapter may leave a call unscreened (`asterisk-ami` screening: `max-calls`; `esl`: `max-calls`,
   * `stopping`; `asterisk-ari`: `channel-id`, `unreadable`, `orphan`). */
  unscreened?: ReadonlyArray<{ adapter: string; reason: UnscreenedReason }>;
}
/** Label values come from our own code and the policy, but a label must never carry unbounded junk. */
function label(v: unknown): string {
  return String(v ?? '').slice(0, 64) || 'unknown';
}

export function createMetrics(seed: MetricsSeed = { pbx: [], decisions: [] }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chut_' });
  const calls = new Counter({ name: 'chut_calls_total', help: 'Screened calls by PBX, policy action, executed route and rule', labelNames: ['pbx', 'action', 'route', 'rule'], registers: [registry] });
  const captcha = new Counter({ name: 'chut_captcha_outcomes_total', help: 'Captcha challenges by outcome', labelNames: ['outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'chut_decision_latency_seconds', help: 'Decision latency (normalise + lookup + evaluate)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const degraded = new Counter({ name: 'chut_degraded_decisions_total', help: 'Decisions that failed open (store error or deadline): the call rang', registers: [registry] });
  const shadow = new Counter({ name: 'chut_shadow_decisions_total', help: 'Decisions taken in shadow mode (logged, not enforced)', registers: [registry] });
  const pbxUp = new Gauge({ name: 'chut_pbx_connection_up', help: 'PBX adapter connection: 1 ready, 0 otherwise', labelNames: ['adapter'], registers: [registry] });
  const redisErrors = new Counter({ name: 'chut_redis_errors_total', help: 'Failed store operations by operation', labelNames: ['operation'], registers: [registry] });
  const internalErrors = new Counter({
    name: 'chut_api_internal_errors_total',
    help: 'HTTP API requests answered 500 internal: a bug in chut, or data damaged under its Redis prefix, not a Redis outage (logged at error level), ' +
      'by the store operation that failed, else the route\'s operation, else other',
    labelNames: ['operation'], registers: [registry],
  });
  const autoBlocks = new Counter({ name: 'chut_auto_blocks_total', help: 'Numbers added to the blocklist automatically (score threshold)', registers: [registry] });
  const peersRefused = new Counter({
    name: 'chut_pbx_peers_refused_total', help: 'Connections to an adapter\'s listener refused because their address is not allowed (esl.allowFrom): nothing screened',
    labelNames: ['adapter'], registers: [registry],
  });
  const unscreened = new Counter({
    name: 'chut_pbx_calls_unscreened_total', help: 'Calls an adapter left to the dialplan without screening them, by reason (max-calls: it already held ' +
      'the most calls at once; stopping: chut was stopping; channel-id: an ARI channel id chut cannot put in a REST path, the call waits ' +
      'in Stasis for the dialplan\'s timeout; unreadable: an ARI StasisStart chut could not read, the channel sent on at once; ' +
      'orphan: an ARI channel a previous connection left in Stasis, sent on by the sweep after a connection, once per channel): each went on as without chut (fail-open: a call rings, a feature code gets the dialplan\'s answer) and is not in chut_calls_total',
    labelNames: ['adapter', 'reason'], registers: [registry],
  });
  const importsRefused = new Counter({
    name: 'chut_api_imports_refused_total', help: 'POST /api/import refused before its body was read: the most imports at once (http.maxConcurrentImports) were in progress',
    registers: [registry],
  });
  const exportsRefused = new Counter({
    name: 'chut_api_exports_refused_total', help: 'GET /api/export refused before the store was read: the most exports at once (http.maxConcurrentExports) were in progress',
    registers: [registry],
  });
  // Zero-valued series from the start, so rate() and dashboards work before the first event.
  for (const o of CAPTCHA_OUTCOMES) captcha.inc({ outcome: o }, 0);
  for (const operation of CALL_PATH_OPERATIONS) redisErrors.inc({ operation }, 0);
  // a bug is rare: its first occurrence is the one to see
  for (const operation of [...API_STORE_OPERATIONS, OTHER_OPERATION]) internalErrors.inc({ operation }, 0);
  for (const adapter of seed.listeners ?? []) peersRefused.inc({ adapter: label(adapter) }, 0);
  for (const { adapter, reason } of seed.unscreened ?? []) unscreened.inc({ adapter: label(adapter), reason }, 0);
  for (const pbx of seed.pbx) {
    for (const { rule, action } of seed.decisions) {
      for (const route of FINAL_ROUTES) calls.inc({ pbx: label(pbx), action: label(action), route, rule: label(rule) }, 0);
    }
  }

  const redisError = (operation: string): void => redisErrors.inc({ operation: label(operation) });
  return {
    registry,
    contentType: registry.contentType,
    onDecision(decision: ScreeningDecision, _call: InboundCall): void {
      if (Number.isFinite(decision.latencyMs) && decision.latencyMs >= 0) latency.observe(decision.latencyMs / 1000);
    },
    onCallRecord(record: CallRecord): void {
      calls.inc({ pbx: label(record.pbx), action: label(record.action), route: label(record.route), rule: label(record.rule) });
      if (record.captcha) captcha.inc({ outcome: label(record.captcha) });
      if (record.degraded) degraded.inc();
      if (record.shadow) shadow.inc();
    },
    onStoreError(operation: string): void {
      redisError(operation);
    },
    onAutoBlock(): void {
      autoBlocks.inc();
    },
    peerRefused(adapter: string): void {
      peersRefused.inc({ adapter: label(adapter) });
    },
    callUnscreened(adapter: string, reason: UnscreenedReason): void {
      unscreened.inc({ adapter: label(adapter), reason: label(reason) });
    },
    setAdapterStatus(name: string, status: ConnectionStatus): void {
      pbxUp.set({ adapter: label(name) }, status.state === 'ready' ? 1 : 0);
    },
    redisError,
    internalError(operation: InternalErrorOperation): void {
      internalErrors.inc({ operation: label(operation) });
    },
    importRefused(): void {
      importsRefused.inc();
    },
    exportRefused(): void {
      exportsRefused.inc();
    },
    render: () => registry.metrics(),
  };
}
