// chut dashboard: plain ES module, no build step. Every value from the API is shown with textContent
// (caller names and numbers come from strangers); nothing is ever written as HTML.

// every route a call can end on (src/screening/types.ts FinalRoute); a route this page does not know yet still gets
// a grey series and badge, so the charts always add up to the tiles
const ROUTES = ['ring', 'captcha', 'voicemail', 'reject', 'hung-up'];
const COLOURS = { ring: '#2e7d32', captcha: '#f9a825', voicemail: '#1565c0', reject: '#c62828', 'hung-up': '#6a1b9a' };
const OTHER_COLOUR = '#757575';
const TOKEN_KEY = 'chut-token';
/** Auto-refresh: this long after the previous refresh ended (never on a timer that ignores a slow server). */
const REFRESH_EVERY_MS = 60_000;
/** A request with no answer by then is aborted: a hung server must not leave requests piling up. */
const REQUEST_TIMEOUT_MS = 15_000;
const $ = (id) => document.getElementById(id);
/** Counts and rates in the browser's own number format, as its dates and the charts' axes already are (12,345 / 12.345). */
const COUNT_FORMAT = new Intl.NumberFormat();
const RATE_FORMAT = new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const formatCount = (n) => (Number.isFinite(n) ? COUNT_FORMAT.format(n) : '–');
const charts = {};
/** Cursor of the next (older) page of calls, and how many pages the table holds (Older calls adds one). */
let nextCalls = null;
let callPages = 1;

// ---- API access: the token is asked for on a 401 and kept for this tab.
let tokenPrompt = null;
/**
 * One prompt at a time: parallel requests that all got a 401 wait for the same answer. `refused` says why it asks
 * again (the token given was refused): without it the same prompt came back as if nothing had been entered.
 */
function askToken(refused = '') {
  if (tokenPrompt) return tokenPrompt;
  const dialog = $('token-dialog');
  $('token-input').value = '';
  $('token-error').textContent = refused;
  $('token-error').hidden = !refused;
  tokenPrompt = new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const token = dialog.returnValue === 'save' ? $('token-input').value.trim() : '';
      if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
      tokenPrompt = null;
      resolve(Boolean(token));
    }, { once: true });
    dialog.showModal();
  });
  return tokenPrompt;
}

/**
 * A 401: the token this request sent, if any, is no good. Forget it, say so, and ask for another. True when there is
 * a token to try: one just given, or one another request's prompt took meanwhile.
 */
async function tokenAfterRefusal(sent, body) {
  const stored = window.sessionStorage.getItem(TOKEN_KEY);
  if (stored && stored !== sent) return true;
  if (stored) window.sessionStorage.removeItem(TOKEN_KEY);
  const why = body && typeof body.message === 'string' ? ` (${body.message})` : '';
  return askToken(sent ? `chut refused that token${why}: check it and enter it again.` : '');
}

/**
 * One API request, aborted after REQUEST_TIMEOUT_MS (the time spent on the token prompt does not count) or when
 * `options.signal` aborts (a newer refresh replaced the one that sent it). A 401 asks for the token, again after a
 * refused one, until one works or the prompt is cancelled.
 */
async function api(path, options = {}) {
  const { signal, ...init } = options;
  // a change (anything but a GET) that fails part-way may still be applied: said so, never "failed"
  const change = Boolean(init.method && init.method !== 'GET');
  const token = window.sessionStorage.getItem(TOKEN_KEY);
  const headers = { ...(init.headers || {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  const controller = new window.AbortController();
  let timedOut = false;
  const timer = window.setTimeout(() => { timedOut = true; controller.abort(); }, REQUEST_TIMEOUT_MS);
  const cancel = () => controller.abort();
  if (signal && signal.aborted) cancel();
  else if (signal) signal.addEventListener('abort', cancel, { once: true });
  let res;
  let body;
  try {
    res = await fetch(path, { ...init, headers, signal: controller.signal });
    body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  } catch (err) {
    if (timedOut) {
      // a change chut received may still be applied after we stopped waiting: say so rather than "failed"
      const timeout = new Error(`chut did not answer within ${REQUEST_TIMEOUT_MS / 1000} s${change ? ': the change may still have been made' : ''}`, { cause: err });
      timeout.unconfirmed = change;
      throw timeout;
    }
    throw err;
  } finally {
    window.clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', cancel);
  }
  if (res.status === 401 && (await tokenAfterRefusal(token, body))) return api(path, options);
  if (!res.ok) {
    const err = new Error(res.status === 401 ? 'chut needs its API token: use the Token button to enter it'
      : body && body.message ? body.message : `HTTP ${res.status}`);
    err.status = res.status;
    err.code = body && typeof body.error === 'string' ? body.error : null;
    err.needsForce = Boolean(body && body.needsForce);
    // Redis took the change but did not confirm it in time, or a bug of chut's (500 internal) ended a change part-way:
    // it may or may not have been applied, and the server's message says so
    err.unconfirmed = err.code === 'store-timeout' || (err.code === 'internal' && change);
    throw err;
  }
  return body;
}

// ---- small DOM helpers
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}
function routeBadge(route) {
  return el('span', route, `route ${ROUTES.includes(route) ? route : 'other'}`);
}
/**
 * The status line is a live region: a screen reader reads it out whenever its text is written, so it holds only what
 * changes rarely ('updated', a failure), and is written only when that changes. The time of the latest refresh, new
 * every minute, is beside it, outside the region (it was "updated 10:41:07", read out at every auto-refresh, after a
 * "loading…" that was too).
 */
function setStatus(text, isError = false) {
  const status = $('status');
  if (status.textContent !== text) status.textContent = text;
  status.classList.toggle('error', isError);
  $('updated-at').hidden = isError;
}
/** The time of the refresh just shown, beside the status line. */
function showUpdatedAt(date) {
  const at = $('updated-at');
  at.dateTime = date.toISOString();
  at.textContent = date.toLocaleTimeString();
}
/**
 * After a failed refresh every region a refresh fills in (data-refreshed: the tiles, the charts, the top callers, the
 * latest calls) still shows the last figures: each is dimmed and says so in words a screen reader reads, in its
 * heading, or first in a region that has none; the note above them says how old they are.
 */
let shownAt = null;
function markStale(stale) {
  const cue = shownAt ? `(not current: the last refresh failed; as of ${shownAt})` : '(not loaded: the refresh failed)';
  for (const region of document.querySelectorAll('[data-refreshed]')) {
    region.classList.toggle('stale', stale);
    if (stale) region.dataset.stale = 'true'; else delete region.dataset.stale;
    region.querySelector('.stale-cue')?.remove();
    if (!stale) continue;
    const heading = region.querySelector('h2');
    if (heading) heading.append(el('span', ` ${cue}`, 'stale-cue visually-hidden'));
    else region.prepend(el('p', cue, 'stale-cue visually-hidden'));
  }
  const note = $('stale-note');
  note.textContent = stale && shownAt ? `The last refresh failed: these figures are from ${shownAt}.` : '';
  note.hidden = !(stale && shownAt);
}

// ---- stats → tiles and charts
const HOUR_MS = 3_600_000;
/** Local midnight `daysAgo` days before `now`, in epoch ms. */
function localMidnight(daysAgo, now) {
  const d = new Date(now);
  d.setDate(d.getDate() - daysAgo);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
/**
 * Where a period from local midnight starts counting. The API counts whole UTC hours, and where midnight is not on
 * one (UTC+5:30, +9:30, +5:45, -3:30…) the hour holding it is partly the day before: the count starts at the first
 * whole hour of the day instead (00:30 in India), or, in the minutes before that hour begins, at the hour holding
 * midnight (23:30 the day before). The page says which (startNote); where midnight is on the hour, it is midnight.
 */
function countFrom(daysAgo, now) {
  const midnight = localMidnight(daysAgo, now);
  const next = Math.ceil(midnight / HOUR_MS) * HOUR_MS;
  return { midnight, start: next <= now ? next : next - HOUR_MS };
}
function twoDigits(n) {
  return String(n).padStart(2, '0');
}
/** A local hour's label: `09h`, or `09:30` in a time zone whose hours start on the half hour. */
function hourLabel(d) {
  return d.getMinutes() ? `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}` : `${twoDigits(d.getHours())}h`;
}
/** Where a count starts when it is not local midnight ('' when it is): `from 00:30`, `from 23:30 the day before`. */
function startNote(start, midnight, withDay) {
  if (start === midnight) return '';
  const d = new Date(start);
  const time = `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}`;
  if (withDay) return `from ${dayLabel(d)}, ${time}`;
  return start < midnight ? `from ${time} the day before` : `from ${time}`;
}
function showStartNote(which, note) {
  for (const node of document.querySelectorAll(`[data-from="${which}"]`)) {
    node.textContent = note ? ` (${note})` : '';
    node.hidden = !note;
  }
}
/** The start the API says it counted from, or the one asked for when the answer has none. */
function countedFrom(stats, asked) {
  return Number.isFinite(stats.since) ? stats.since : asked;
}
function hourDate(key) {
  return new Date(`${key}:00:00Z`);
}
/** One series per route with calls in the labelled buckets: the known routes in order, then any other one. */
function routeSeries(buckets, labels) {
  const seen = new Set();
  for (const l of labels) for (const [r, n] of Object.entries(buckets.get(l) || {})) if (n) seen.add(r);
  const used = [...ROUTES.filter((r) => seen.has(r)), ...[...seen].filter((r) => !ROUTES.includes(r)).sort()];
  return (used.length ? used : ['ring']).map((r) => ({
    label: r, backgroundColor: COLOURS[r] || OTHER_COLOUR, data: labels.map((l) => (buckets.get(l) || {})[r] || 0),
  }));
}
/** What a chart shows, in words for a screen reader (a canvas has no text): its total, then each route's. */
function chartSummary(datasets) {
  const counts = datasets.map((d) => [d.label, d.data.reduce((a, b) => a + b, 0)]).filter(([, n]) => n > 0);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  return total ? `${formatCount(total)} ${total === 1 ? 'call' : 'calls'}: ${counts.map(([route, n]) => `${route} ${formatCount(n)}`).join(', ')}` : 'no calls';
}
function drawChart(id, labels, datasets) {
  const canvas = $(id);
  canvas.dataset.title ||= canvas.getAttribute('aria-label');
  canvas.setAttribute('aria-label', `${canvas.dataset.title}: ${chartSummary(datasets)}`);
  if (typeof window.Chart !== 'function') return; // the page still shows every number without charts
  if (charts[id]) charts[id].destroy();
  charts[id] = new window.Chart(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false, maintainAspectRatio: false, responsive: true,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}
function bucketBy(byHour, keyOf) {
  const buckets = new Map();
  for (const [hour, routes] of Object.entries(byHour || {})) {
    const key = keyOf(hourDate(hour));
    const b = buckets.get(key) || {};
    for (const [r, n] of Object.entries(routes || {})) b[r] = (b[r] || 0) + n;
    buckets.set(key, b);
  }
  return buckets;
}
/** The labels of the hours from `start` to `now`, each once (a DST change repeats or skips one). */
function hourLabels(start, now) {
  const labels = [];
  for (let t = start; t <= now; t += HOUR_MS) {
    const label = hourLabel(new Date(t));
    if (!labels.includes(label)) labels.push(label);
  }
  return labels;
}
function renderToday(stats, period, now) {
  const start = countedFrom(stats, period.start);
  $('calls-today').textContent = formatCount(stats.total);
  $('rejected-today').textContent = formatCount(stats.byRoute.reject || 0);
  showStartNote('today', startNote(start, period.midnight, false));
  // every hour counted has its bar: the chart adds up to the tiles
  const labels = hourLabels(start, now);
  drawChart('chart-today', labels, routeSeries(bucketBy(stats.byHour, hourLabel), labels));
}
function dayLabel(d) {
  return d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' });
}
/**
 * The chart's 7 local days, today last, stepped with setDate on a local date (noon: clear of any DST jump): days of
 * 23 or 25 hours made `now - k × 24 h` skip or repeat a day next to a DST change.
 */
function weekDays() {
  return Array.from({ length: 7 }, (_, i) => {
    const d = new Date();
    d.setHours(12, 0, 0, 0);
    d.setDate(d.getDate() - (6 - i));
    return d;
  });
}
/**
 * Shadow mode: the routes above are what happened (every shadow call rang), so the tile says how many of those calls
 * the policy would not have let ring, by action: what an administrator watching a policy before enforcing it needs.
 * Hidden when no call was decided in shadow mode these days. (Shadow calls an older chut recorded have no action.)
 */
function renderShadow(stats) {
  $('shadow-tile').hidden = !stats.shadow;
  const withheld = Object.entries(stats.shadowByAction || {}).filter(([action, n]) => n > 0 && action !== 'ring');
  const notRung = withheld.reduce((sum, [, n]) => sum + n, 0);
  $('shadow-week').textContent = formatCount(notRung);
  const detail = withheld.map(([action, n]) => `${action} ${formatCount(n)}`);
  detail.push(`of ${formatCount(stats.shadow || 0)} decided in shadow mode`);
  $('shadow-would').textContent = detail.join(', ');
}
function renderWeek(stats, period) {
  $('calls-week').textContent = formatCount(stats.total);
  showStartNote('week', startNote(countedFrom(stats, period.start), period.midnight, true));
  $('degraded-week').textContent = formatCount(stats.degraded);
  renderShadow(stats);
  const c = stats.captcha;
  const played = c.passed + c.failed + c['hung-up'] + c.timeout;
  $('captcha-rate').textContent = played ? RATE_FORMAT.format(c.passed / played) : 'n/a';
  const labels = weekDays().map(dayLabel);
  drawChart('chart-week', labels, routeSeries(bucketBy(stats.byHour, dayLabel), labels));
  // top callers are kept per whole UTC day (the API reads every day the period touches): say which
  const from = new Date(stats.since);
  if (!Number.isNaN(from.getTime())) $('top-title').textContent = `Top callers the policy rejects (whole UTC days from ${from.toISOString().slice(0, 10)})`;
  const body = $('top-blocked').tBodies[0];
  body.replaceChildren();
  for (const t of (stats.topCallers.reject || []).slice(0, 10)) {
    const tr = el('tr');
    tr.append(el('td', t.caller), el('td', formatCount(t.calls), 'n'));
    body.append(tr);
  }
  if (!body.rows.length) body.append(emptyRow('none in these days', 2));
}

/** The one row of an empty table, across all its columns: says why it is empty rather than leaving a bare header. */
function emptyRow(text, columns) {
  const tr = el('tr', null, 'empty');
  const td = el('td', text, 'muted');
  td.colSpan = columns;
  tr.append(td);
  return tr;
}

// ---- latest calls
/**
 * The times are the browser's local time, and chut's reasons speak of the policy's zone (`it is Tue 21:30 in
 * Europe/Paris`): the heading says which zone the times are in, so an admin elsewhere does not read 15:30 as a mistake.
 */
function showTimeZone() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  $('calls-zone').textContent = zone ? ` (times in ${zone})` : '';
}
/** A caller a user can report: a number (a record's caller is E.164, or `withheld` / `invalid`: nothing to report). */
const REPORTABLE = /^\+[1-9]\d{1,14}$/;
function callRow(c) {
  const tr = el('tr');
  tr.dataset.caller = c.caller;
  tr.dataset.id = c.id;
  const route = el('td');
  route.append(routeBadge(c.route));
  route.className = 'route-cell';
  const caller = el('td', null, 'caller');
  caller.append(el('span', c.caller, 'number'));
  if (REPORTABLE.test(c.caller)) caller.append(' ', reportButton(c.caller));
  tr.append(el('td', new Date(c.time).toLocaleString(), 'time'), caller, el('td', c.callerName || '', 'name'),
    route, el('td', c.rule, 'rule'), el('td', (c.reasons || []).join('; '), 'reasons'));
  return tr;
}
function fetchCalls(before, signal) {
  const qs = new URLSearchParams({ limit: '20' });
  if (before) qs.set('before', before);
  return api(`/api/calls?${qs}`, { signal });
}
/** Whether stream id `a` (`ms-seq`) is after `b`; compared as digit strings, as they may pass 2^53. */
function idAfter(a, b) {
  const cmp = (x, y) => x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
  const [am, as = ''] = String(a).split('-');
  const [bm, bs = ''] = String(b).split('-');
  return (cmp(am, bm) || cmp(as, bs)) > 0;
}
function callRows() {
  return [...$('latest-calls').tBodies[0].rows].filter((tr) => tr.dataset.id);
}
/**
 * The first page of calls from a refresh. With only that page on screen it replaces the table; once older pages were
 * loaded it only adds the newer calls at the top, so the rows the user paged to stay (and so does the Older cursor).
 */
function showLatestCalls(page) {
  const body = $('latest-calls').tBodies[0];
  const top = callRows()[0];
  if (callPages <= 1 || !top) {
    body.replaceChildren(...(page.calls.length ? page.calls.map(callRow) : [emptyRow('No calls recorded yet: each call chut screens appears here.', 6)]));
    callPages = 1;
    nextCalls = page.next;
    $('older').hidden = !nextCalls;
    olderMessage('');
    return;
  }
  const newer = page.calls.filter((c) => idAfter(c.id, top.dataset.id));
  if (!newer.length) return;
  // a whole page of newer calls may not reach the ones on screen: say that some in between are not shown
  const gap = newer.length === page.calls.length && page.next !== null ? [gapRow()] : [];
  body.prepend(...newer.map(callRow), ...gap);
}
function gapRow() {
  const tr = el('tr', null, 'gap');
  const td = el('td', 'More calls came in than one page holds: some between these are not shown. ');
  td.colSpan = 6;
  const back = el('button', 'Show the latest calls only');
  back.type = 'button';
  back.addEventListener('click', () => { callPages = 1; refresh(); });
  td.append(back);
  tr.append(td);
  return tr;
}
/** What became of "Older calls", said under the button the admin just pressed (the status line may be out of view). */
function olderMessage(text, kind = '') {
  $('older-message').textContent = text;
  $('older-message').className = kind ? `message ${kind}` : 'message';
}
async function loadOlder() {
  const older = $('older');
  older.disabled = true;
  callPages += 1; // from now on a refresh keeps what is below the first page
  try {
    const page = await fetchCalls(nextCalls);
    const shown = new Set(callRows().map((tr) => tr.dataset.id));
    $('latest-calls').tBodies[0].append(...page.calls.filter((c) => !shown.has(c.id)).map(callRow));
    nextCalls = page.next;
    older.hidden = !nextCalls;
    olderMessage('');
  } catch (err) {
    callPages -= 1;
    olderMessage(`Older calls could not be loaded: ${err.message}`, 'error');
  } finally {
    older.disabled = false;
  }
}

// ---- report a caller as spam, from its row: what the phones' feature codes do (POST /api/reports)
function reportButton(number) {
  const button = el('button', 'Report spam', 'report');
  button.type = 'button';
  button.dataset.number = number;
  // the visible words first (what a voice-control user says), then whose number it is
  button.setAttribute('aria-label', `Report spam: ${number}`);
  button.addEventListener('click', onReport);
  return button;
}
const formatScore = (score) => score.toFixed(1);
const reportCount = (n) => `${formatCount(n)} report${n === 1 ? '' : 's'}`;
/**
 * What a spam report did to the number, from its score, report count and list before and after (the API's answer):
 * a report of the same number within minutes, or of one blocked by a report already, is not counted again.
 */
function reportOutcome(res) {
  const { number, before, after } = res;
  if (!before || !after) return `${number} was reported as spam.`; // chut could not read it back: the report stands
  let text;
  if (after.reports <= before.reports) {
    text = `${number} was reported as spam already: this report was not counted again (score ${formatScore(after.score)}, ${reportCount(after.reports)})`;
  } else if (after.score > before.score) {
    text = `Reported ${number} as spam: its score rose from ${formatScore(before.score)} to ${formatScore(after.score)} (${reportCount(after.reports)})`;
  } else {
    text = `Reported ${number} as spam (${reportCount(after.reports)}): its score stays at ${formatScore(after.score)}`;
  }
  if (after.list === 'block') text += before.list === 'block' ? '; it is on the block list' : ', and it is now on the block list';
  else if (after.list === 'allow') text += '; it is still on the allow list, which lets it ring';
  else text += '; it is not on the block list';
  return `${text}.`;
}
/**
 * What became of a report, under the row of the call it was made from (found again by its id: a refresh may have
 * rebuilt the table meanwhile), and in a live region, always there, so that a screen reader reads it out.
 */
function reportMessage(callId, text, kind = '') {
  const row = callRows().find((tr) => tr.dataset.id === callId);
  let shown = row && row.nextElementSibling && row.nextElementSibling.classList.contains('report-outcome') ? row.nextElementSibling : null;
  if (row && !shown) {
    shown = el('tr', null, 'report-outcome');
    const td = el('td');
    td.colSpan = 6;
    shown.append(td);
    row.after(shown);
  }
  if (shown) {
    shown.cells[0].textContent = text;
    shown.cells[0].className = kind ? `message ${kind}` : 'message';
  }
  if (kind !== 'working') $('report-status').textContent = text;
}
async function onReport(event) {
  const button = event.currentTarget;
  const number = button.dataset.number;
  const callId = button.closest('tr').dataset.id;
  // as a broad prefix is: one click must not count against someone's number by mistake
  if (!window.confirm(`Report ${number} as spam? Its score goes up, and chut may put it on the block list.`)) return;
  button.disabled = true;
  $('report-status').textContent = ''; // the same words again are read out again
  reportMessage(callId, 'working…', 'working');
  try {
    const res = await api(`/api/reports/${encodeURIComponent(number)}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'spam' }),
    });
    reportMessage(callId, reportOutcome(res));
    // the number explained may be the one just reported: its score and list have changed
    if (explained !== null) void explain(explained);
  } catch (err) {
    if (!err.unconfirmed) {
      reportMessage(callId, `${number} could not be reported: ${err.message}`, 'error');
    } else {
      // made or not: never "failed". The number is explained as chut has it now, so the user can see whether to try again.
      const what = err.code === 'store-timeout' ? 'Redis did not confirm the report in time: it may or may not have been made' : err.message;
      reportMessage(callId, `${what}. ${number} as chut has it now is shown under "Explain a number": check it before reporting it again.`, 'error');
      $('lookup-number').value = number;
      void explain(number);
    }
  } finally {
    button.disabled = false;
    if (document.activeElement === document.body && button.isConnected) button.focus(); // keyboard users keep their place
  }
}

// ---- refresh: one at a time. The auto-refresh is armed when a refresh ends, so a slow or hung server (each request
// gives up after REQUEST_TIMEOUT_MS) or an open token prompt never piles requests up; a refresh asked for by hand
// (or after a list change) aborts the one running, and only the latest refresh started may change the page.
let refreshSeq = 0;
let running = null;
let refreshTimer = null;
function scheduleRefresh() {
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(autoRefresh, REFRESH_EVERY_MS);
}
function autoRefresh() {
  refreshTimer = null;
  // nothing is sent while the token prompt is open: look again later
  if (tokenPrompt || running) scheduleRefresh();
  else refresh();
}
function refresh() {
  if (running) running.controller.abort();
  window.clearTimeout(refreshTimer);
  const current = { id: ++refreshSeq, controller: new window.AbortController() };
  running = current;
  current.done = loadAll(current.id, current.controller.signal).finally(() => {
    if (running !== current) return;
    running = null;
    scheduleRefresh();
  });
  return current.done;
}
async function loadAll(id, signal) {
  // no 'loading…' on the status line: said at every auto-refresh, it was read out every minute (the page's first
  // 'loading…' is in the HTML)
  try {
    const now = Date.now();
    const todayFrom = countFrom(0, now);
    // the week's tiles cover the same 7 local days as its chart (a rolling 7d also counted part of an 8th day)
    const weekFrom = countFrom(6, now);
    const since = new Date(todayFrom.start).toISOString();
    const weekSince = new Date(weekFrom.start).toISOString();
    const [today, week, calls] = await Promise.all([
      api(`/api/stats?since=${encodeURIComponent(since)}`, { signal }),
      api(`/api/stats?since=${encodeURIComponent(weekSince)}`, { signal }),
      fetchCalls(null, signal),
    ]);
    if (id !== refreshSeq) return; // a newer refresh started: this answer is older than the one it will show
    $('calls-today').dataset.since = since;
    $('calls-week').dataset.since = weekSince;
    renderToday(today, todayFrom, now);
    renderWeek(week, weekFrom);
    showLatestCalls(calls);
    const shown = new Date();
    shownAt = shown.toLocaleTimeString();
    showUpdatedAt(shown);
    setStatus('updated');
    markStale(false);
    document.body.dataset.loaded = 'true';
  } catch (err) {
    if (id !== refreshSeq) return; // replaced, not failed
    // keys of a newer chut: no refresh will help until chut is upgraded, so the header names that, not a failed refresh
    setStatus(err.code === 'store-schema' ? `chut cannot read its data: ${err.message}` : `refresh failed: ${err.message}`, true);
    markStale(true);
  }
}

// ---- explain a number
function renderExplanation(x) {
  const box = $('lookup-result');
  const d = x.decision;
  const n = d.caller.number;
  const who = n.kind === 'valid' ? `${n.e164} (${n.country || 'non-geographic'}, ${n.type})` : `${n.kind} caller`;
  const head = el('p');
  head.append(el('strong', who), ' → ', routeBadge(d.action), ` rule ${d.rule}`);
  if (d.shadow) head.append(' (shadow mode: would ring)');
  const reasons = el('ul');
  for (const r of d.reasons) reasons.append(el('li', r));
  box.replaceChildren(head, reasons);
  if (x.facts) {
    const f = x.facts;
    // `failed` counts silent timeouts too (chut lookup says the same)
    box.append(el('p', `score ${f.score.toFixed(1)} · reports ${f.reports} · captcha passed ${f.captcha.passed} / failed or timed out ${f.captcha.failed} / hung up ${f.captcha.hungUp}`, 'muted'));
  }
  for (const e of x.listEntries) {
    const what = e.entry.kind === 'number' ? e.entry.e164 : `${e.entry.prefix}*`;
    box.append(el('p', `listed: ${e.list} ${what}${e.reason ? ` (${e.reason})` : ''}`));
  }
  box.hidden = false;
}
async function onLookup(event) {
  event.preventDefault();
  await explain($('lookup-number').value.trim());
}
/** The number whose explanation is on screen, if any. */
let explained = null;
async function explain(number) {
  try {
    renderExplanation(await api(`/api/numbers/${encodeURIComponent(number)}`));
    explained = number;
  } catch (err) {
    explained = null;
    $('lookup-result').replaceChildren(el('p', err.message, 'error'));
    $('lookup-result').hidden = false;
  }
}

// ---- allow / block / remove: only a button acts (Enter in a field chooses nothing, least of all Block), and one
// request at a time: the buttons are disabled until it ends.
const LIST_BUTTONS = ['block-button', 'allow-button', 'unlist-button'];
let listBusy = false;
function setListBusy(busy) {
  listBusy = busy;
  for (const id of LIST_BUTTONS) $(id).disabled = busy;
  $('list-form').setAttribute('aria-busy', String(busy));
}
function listMessage(text, kind = '') {
  $('list-message').textContent = text;
  $('list-message').className = kind ? `message ${kind}` : 'message';
}
/** DELETE from both lists: says which lists had it, and "not on any list" only when both answered 404. */
async function removeEverywhere(entry, path) {
  const lists = ['allow', 'block'];
  const results = await Promise.allSettled(lists.map((l) => api(`/api/lists/${l}/${path}`, { method: 'DELETE' })));
  const removed = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ list: lists[i], entry: r.value.entry }] : []));
  const failed = results.find((r) => r.status === 'rejected' && r.reason.status !== 404);
  const shown = removed.length ? removed[0].entry : entry;
  const done = removed.length ? `${shown} removed from the ${removed.map((r) => r.list).join(' and ')} list${removed.length > 1 ? 's' : ''}` : '';
  if (failed) {
    // a list that could not be checked must not read as "not on it"
    const err = new Error(done ? `${done}; ${failed.reason.message}` : failed.reason.message, { cause: failed.reason });
    err.code = failed.reason.code;
    err.done = done;
    err.unconfirmed = Boolean(failed.reason.unconfirmed);
    throw err;
  }
  return done || `${entry} is not on any list`;
}
async function putOnList(action, path) {
  const body = { reason: $('list-reason').value.trim() || undefined, expires: $('list-expires').value || undefined };
  const put = (extra) => api(`/api/lists/${action}/${path}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, ...extra }),
  });
  // a prefix as broad as a country code takes an explicit yes: one click must not silence a whole country
  const res = await put().catch((err) => {
    if (err.needsForce && window.confirm(`${err.message.split(';')[0]}. ${action === 'block' ? 'Block' : 'Allow'} it anyway?`)) return put({ force: true });
    throw err;
  });
  // blocking takes a number off the allow list (and allowing off the block list): say so
  return `${res.entry} is now on the ${res.list} list${res.removedFrom ? ` (taken off the ${res.removedFrom} list)` : ''}`;
}
async function onListButton(event) {
  const button = event.currentTarget;
  if (listBusy || !$('list-form').reportValidity()) return;
  const action = button.dataset.list;
  const entry = $('list-entry').value.trim();
  const path = encodeURIComponent(entry);
  setListBusy(true);
  listMessage('working…', 'working');
  try {
    listMessage(action === 'remove' ? await removeEverywhere(entry, path) : await putOnList(action, path));
    refresh();
    // the number explained may be the one just listed (or covered by the prefix): its explanation said "ring" beside
    // "now on the block list"
    if (explained !== null) void explain(explained);
  } catch (err) {
    if (!err.unconfirmed) {
      listMessage(err.message, 'error');
    } else {
      // Made or not: never "failed". The page is refreshed, and a number is explained as chut has it now, so the
      // admin can see whether to try again.
      listMessage(unconfirmedMessage(err, entry), 'error');
      refresh();
      if (!entry.includes('*')) {
        $('lookup-number').value = entry;
        void explain(entry);
      }
    }
  } finally {
    setListBusy(false);
    if (document.activeElement === document.body) button.focus(); // keyboard users keep their place
  }
}
/** What to say of a change chut may or may not have made (a 503 store-timeout, a 500 internal, or no answer from chut
 * in time): store-timeout in the dashboard's words, the others in the server's (or the timeout's) own. */
function unconfirmedMessage(err, entry) {
  const what = err.code === 'store-timeout'
    ? `${err.done ? `${err.done}; ` : ''}Redis did not confirm the change in time: it may or may not have been made`
    : err.message;
  const check = entry.includes('*')
    ? 'check the prefix (explain a number it covers) before trying again'
    : `${entry} as chut has it now is shown under "Explain a number": check it before trying again`;
  return `${what}. The page was refreshed; ${check}.`;
}
function onListSubmit(event) {
  // Enter in the entry or reason field: no default action
  event.preventDefault();
  if (!listBusy) listMessage('Choose Block, Allow or Remove.');
}
function onListKey(event) {
  if (event.key !== 'Enter' || event.target.tagName !== 'INPUT') return;
  onListSubmit(event);
}

showTimeZone();
$('lookup-form').addEventListener('submit', onLookup);
$('list-form').addEventListener('submit', onListSubmit);
$('list-form').addEventListener('keydown', onListKey);
for (const id of LIST_BUTTONS) $(id).addEventListener('click', onListButton);
$('refresh').addEventListener('click', refresh);
$('older').addEventListener('click', loadOlder);
$('set-token').addEventListener('click', () => askToken().then((ok) => ok && refresh()));
refresh();
