/**
 * Redis MONITOR on a plain socket: every command the server runs, with the client that sent it. Not ioredis's
 * `monitor()`: when other test files keep Redis busy, monitor lines can arrive in the same chunk as MONITOR's own
 * `+OK`, before ioredis switches the connection to monitor mode, and it throws "Command queue state error".
 *
 * A line reads `+1795947888.454291 [0 127.0.0.1:52106] "evalsha" "7d2d…" "9" …` (or `[0 lua]` for a script's own
 * calls); arguments are quoted with sdscatrepr escapes (\" \\ \n \r \t \a \b and \xHH).
 */
import { connect } from 'node:net';

export interface MonitoredCommand {
  /** `ip:port` of the client, or `lua` for a command a script ran. */
  source: string;
  args: string[];
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };

/** The quoted arguments of one MONITOR line. */
export function parseMonitorArgs(text: string): string[] {
  const args: string[] = [];
  let i = 0;
  while ((i = text.indexOf('"', i)) !== -1) {
    let arg = '';
    for (i += 1; i < text.length && text[i] !== '"'; i += 1) {
      if (text[i] !== '\\') { arg += text[i]; continue; }
      const next = text[i + 1] ?? '';
      if (next === 'x') { arg += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)); i += 3; } else { arg += ESCAPES[next] ?? next; i += 1; }
    }
    args.push(arg);
    i += 1;
  }
  return args;
}

export async function monitorRedis(url: string, onCommand: (c: MonitoredCommand) => void): Promise<{ stop(): void }> {
  const { hostname, port, username, password } = new URL(url);
  const socket = connect(Number(port || 6379), hostname || '127.0.0.1');
  socket.setEncoding('latin1'); // one char per byte: \xHH escapes stay bytes
  let buffered = '';
  let started: (() => void) | null = null;
  let oksToSkip = password ? 1 : 0; // AUTH's own +OK comes first
  const ready = new Promise<void>((resolve, reject) => {
    started = resolve;
    socket.once('error', reject);
  });
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\r\n')) !== -1) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === '+OK' && oksToSkip > 0) { oksToSkip -= 1; continue; }
      if (line === '+OK' && started) { started(); started = null; continue; }
      const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
      if (m) onCommand({ source: m[1] as string, args: parseMonitorArgs(m[2] as string) });
    }
  });
  if (password) socket.write(`AUTH ${[username, password].filter(Boolean).map(decodeURIComponent).join(' ')}\r\n`);
  socket.write('MONITOR\r\n');
  await ready;
  return { stop: () => socket.destroy() };
}
