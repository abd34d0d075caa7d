/**
 * Pulls the number part out of what PBXs hand over as a caller ID: a bare number, a `sip:`/`sips:`/`tel:` URI, or a
 * name-addr (`"Jean" <sip:+336…@10.0.0.1;user=phone>;tag=…`). Hosts (names, IPv4, `[v6]`), ports, passwords and
 * parameters are dropped; a `verstat` parameter (STIR/SHAKEN result) in the URI is kept, never one in the display
 * name, and of several the least trusted (a caller may write its own ahead of the carrier's).
 * Input is already truncated by the caller, and every step is a single linear scan.
 */
export interface CallerIdParts {
  /** The number candidate: URI user part or the bare value, not yet validated. */
  candidate: string;
  /**
   * Nothing (or only spaces) stood where the number goes: an empty value, `<>`, `tel:`, `sip:host`, `sip:@host`.
   * False for `?x=1` or `sip:;user=phone@host`, whose candidate is empty only once parameters are cut.
   */
  emptyUserPart: boolean;
  /** Display name from a name-addr form, unquoted; null when there was none. */
  displayName: string | null;
  verstat: string | null;
}

// The value must end at a delimiter: `verstat=TN-Passed!!<x>` is junk, not `TN-Passed`.
const VERSTAT = /;\s*verstat\s*=\s*([A-Za-z0-9._-]{1,64})(?=$|[;>?&@])/gi;
const SCHEME = /^\s*(sips?|tel)\s*:/i;

export function splitCallerId(raw: string): CallerIdParts {
  const { displayName, address, bracketed } = splitNameAddr(raw);
  // The display name is the caller's own text: `"Bob;verstat=TN-Validation-Passed" <sip:…>` must not pass a check.
  const uri = bracketed ? address : raw.slice(quotedEnd(raw));
  const { user, isSip } = userPart(address);
  return { candidate: numberIn(user, isSip), emptyUserPart: user.trim() === '', displayName, verstat: leastTrustedVerstat(uri) };
}

/**
 * The `;verstat=` parameters of `uri` (no display name in it): Failed, then anything else (No-TN-Validation, an unknown
 * word), then Passed; the first of equals. The far end writes the user part, so
 * `+336…;verstat=TN-Validation-Passed;verstat=TN-Validation-Failed` (a forged parameter ahead of the carrier's) must read
 * as Failed, not as whichever comes first.
 */
function leastTrustedVerstat(uri: string): string | null {
  let best: string | null = null;
  let bestRank = Infinity;
  for (const m of uri.matchAll(VERSTAT)) {
    const value = m[1]!;
    const rank = verstatRank(value);
    if (rank < bestRank) {
      best = value;
      bestRank = rank;
      if (rank === 0) break;
    }
  }
  return best;
}

function verstatRank(value: string): number {
  const v = value.toLowerCase();
  if (v === 'tn-validation-failed') return 0;
  return v === 'tn-validation-passed' ? 2 : 1;
}

/** `"Name" <uri>;params` → name and uri; anything without angle brackets is all address. */
function splitNameAddr(raw: string): { displayName: string | null; address: string; bracketed: boolean } {
  // A quoted display name may itself contain `<` (`"a<b" <sip:…>`): look for the bracket after the closing quote.
  const open = raw.indexOf('<', quotedEnd(raw));
  if (open < 0) return { displayName: null, address: raw, bracketed: false };
  const close = raw.indexOf('>', open + 1);
  if (close < 0) return { displayName: null, address: raw, bracketed: false };
  const display = unquote(raw.slice(0, open).trim());
  return { displayName: display.length > 0 ? display : null, address: raw.slice(open + 1, close), bracketed: true };
}

/** Index of the quote that closes the quoted string opened at `open` (honouring `\"` escapes), or -1 when none does. */
function closingQuote(raw: string, open: number): number {
  for (let i = open + 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return i;
  }
  return -1;
}

/** Index just past a leading quoted string, or 0 when the value does not start with one (or it is never closed). */
function quotedEnd(raw: string): number {
  const start = raw.search(/\S/);
  if (start < 0 || raw[start] !== '"') return 0;
  return closingQuote(raw, start) + 1;
}

/**
 * The STIR/SHAKEN result of a whole identity header such as P-Asserted-Identity (`"Jean" <sip:+33…;verstat=…>`, one
 * or two identities, as mod_sofia keeps it): read as in any caller ID, never from a display name (each quoted string
 * is skipped; an unclosed one is read as written), and of several parameters the least trusted. One linear pass: a
 * regex for quoted strings backtracks quadratically on a line of `\"`.
 */
export function identityHeaderVerstat(header: string): string | null {
  let outside = '';
  let at = 0;
  for (let open = header.indexOf('"'); open >= 0; open = header.indexOf('"', at)) {
    const close = closingQuote(header, open);
    if (close < 0) break;
    outside += `${header.slice(at, open)}""`;
    at = close + 1;
  }
  return leastTrustedVerstat(outside + header.slice(at));
}

function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    return s.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return s;
}

/** The user part of a URI (or the bare value) as written, parameters and password included; '' when it has none. */
function userPart(address: string): { user: string; isSip: boolean } {
  const scheme = SCHEME.exec(address);
  const rest = scheme ? address.slice(scheme[0].length) : address;
  const isSip = scheme !== null && scheme[1]!.toLowerCase() !== 'tel';
  const at = rest.indexOf('@');
  if (at >= 0) return { user: rest.slice(0, at), isSip };
  // `sip:host` has no user part: nobody identified themselves.
  return { user: isSip ? '' : rest, isSip };
}

/** The number in a user part: without parameters, headers or password, percent-decoded. */
function numberIn(user: string, isSip: boolean): string {
  let rest = cutAt(cutAt(user, ';'), '?');
  // `sip:user:password@host`; tel: URIs never contain ':' after the scheme.
  if (isSip) rest = cutAt(rest, ':');
  return percentDecode(rest);
}

function cutAt(s: string, ch: string): string {
  const i = s.indexOf(ch);
  return i < 0 ? s : s.slice(0, i);
}

/** `%2B33…` is how some gateways escape `+`. Decoded bytes are validated later like any other character. */
function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
