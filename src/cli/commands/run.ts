import { startChut } from '../../app.js';
import { ariConfigWarnings } from '../ari-password.js';
import { eslAllowFromWarnings } from '../esl-allow-from.js';
import { ignoredVariableWarnings, sayingUnknownVariablesOnRefusal, unknownVariableWarnings } from '../environment-warnings.js';
import { sentinelUrlWarnings } from '../sentinel-url.js';
import { policyWarnings } from '../../rules/index.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliSetup } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { releaseHangUps } from '../hang-up.js';
import type { Config } from '../../config.js';
import { describeError, type Logger } from '../../logger.js';

interface Listener {
  host: string;
  port: number;
  /** The settings that choose them, with their variables. */
  hostKey: string;
  portKey: string;
}

/** What `chut run`/`serve` listens on: the HTTP API, and FreeSWITCH's outbound socket. */
function listenersOf(config: Config, http: boolean, pbx: boolean): Listener[] {
  return [
    ...(http ? [{ host: config.http.host, port: config.http.port, hostKey: 'http.host (CHUT_HTTP_HOST)', portKey: 'http.port (CHUT_HTTP_PORT)' }] : []),
    ...(pbx && config.esl.enabled ? [{ host: config.esl.listenHost, port: config.esl.listenPort, hostKey: 'esl.listenHost', portKey: 'esl.listenPort (CHUT_ESL_LISTEN_PORT)' }] : []),
  ];
}

/** The listeners an error is about: the one whose port (or host name) it names, else every candidate. */
function culprits(listeners: Listener[], e: { port?: number; hostname?: string }): Listener[] {
  const named = listeners.filter((l) => (e.hostname !== undefined ? l.host === e.hostname : l.port === e.port));
  return named.length ? named : listeners;
}

/**
 * A port or address chut must listen on (HTTP, the ESL outbound socket) that it cannot have: taken, forbidden, not
 * this machine's, or a host name that does not resolve. One line naming the setting to change, exit 69 (a port
 * chut must listen on unavailable), not a stack trace.
 */
function listenError(err: unknown, listeners: Listener[]): CliError | null {
  const e = err as (NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string }) | null;
  const code = e?.code;
  if (!e || !code) return null;
  const which = culprits(listeners, e);
  const change = (key: 'hostKey' | 'portKey') => `Change ${which.map((l) => l[key]).join(' or ')}`;
  const only = which.length === 1 ? which[0] : undefined;
  const where = `${e.address ?? only?.host ?? '?'}:${e.port ?? only?.port ?? '?'}`;
  let line: string;
  if (code === 'EADDRINUSE') line = `cannot listen on ${where}: the port is already in use (another chut, or another service?). ${change('portKey')}.`;
  else if (code === 'EACCES') line = `cannot listen on ${where}: permission denied (a port below 1024 needs privileges chut does not have). ${change('portKey')}.`;
  else if (code === 'EADDRNOTAVAIL') {
    line = `cannot listen on ${where}: ${e.address ?? 'the address'} is not an address of this machine. ${change('hostKey')}: 127.0.0.1, ` +
      '0.0.0.0 (every interface) or one of this machine\'s addresses.';
  } else if (code === 'EINVAL') {
    // a link-local IPv6 address (fe80::…) is only an address with its interface: fe80::10%eth0
    line = `cannot listen on ${where}: the system refuses this address (a link-local IPv6 address needs its interface, ` +
      `e.g. fe80::10%eth0). ${change('hostKey')}: 127.0.0.1, 0.0.0.0 (every interface) or one of this machine's addresses.`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    line = `cannot listen on ${e.hostname ?? 'the host'}: the host name does not resolve to an address (${code}). ${change('hostKey')}: ` +
      '127.0.0.1, 0.0.0.0 (every interface) or one of this machine\'s addresses or names.';
  } else return null;
  return new CliError(line, EXIT.unavailable);
}

function runCommand(name: 'run' | 'serve'): Command {
  const pbx = name === 'run';
  return {
    name,
    longRunning: true,
    summary: pbx ? 'screen calls: connect to each enabled PBX and serve the HTTP API' : 'serve the HTTP API, dashboard and metrics alone',
    help: `usage: chut ${name} [--config FILE] [--policy FILE] [--redis URL]

${pbx
    ? `Connects to every PBX enabled in the configuration (ari, ami, esl), screens each inbound call, and serves the
HTTP API, metrics and dashboard (http.enabled). Runs until SIGINT/SIGTERM. Connection settings may come from the
environment: CHUT_ARI_ENABLED=true, CHUT_ARI_URL, CHUT_ARI_USER, CHUT_ARI_PASSWORD; CHUT_AMI_ENABLED=true,
CHUT_AMI_HOST, CHUT_AMI_PORT, CHUT_AMI_USER, CHUT_AMI_PASSWORD; CHUT_ESL_ENABLED=true, CHUT_ESL_LISTEN_PORT,
CHUT_ESL_PASSWORD; CHUT_REDIS_URL, CHUT_HTTP_HOST, CHUT_HTTP_PORT, CHUT_API_TOKEN (the full list is at the top of
config/chut.example.yaml).`
    : 'Serves the HTTP API, Prometheus metrics and the dashboard without connecting to any PBX.'}

  --policy FILE       policy file (default: the configured one)
  --redis URL         Redis to use (default: config / CHUT_REDIS_URL)
${GLOBAL_HELP}

examples:
  chut ${name} --config /etc/chut/chut.yaml${pbx ? `
  CHUT_ARI_ENABLED=true CHUT_ARI_PASSWORD=… chut run     # ARI on; everything else from config/chut.yaml, if any` : ''}`,
    async run(argv) {
      const { values } = parse(argv, { policy: { type: 'string' }, redis: { type: 'string' } }, false);
      if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
      // refused, chut has no logger yet: the unknown-variable warnings go to stderr with the problems
      const { loaded, policy } = sayingUnknownVariablesOnRefusal(() => loadCliSetup({ config: values.config, policy: values.policy, redis: values.redis }));
      const logger = cliLogger(loaded.config.log.level);
      guardProcess(logger);
      for (const warning of [...unknownVariableWarnings(process.env), ...ignoredVariableWarnings(loaded.config, process.env, loaded.file), ...sentinelUrlWarnings(loaded)]) {
        logger.warn(warning);
      }
      if (pbx) for (const warning of [...ariConfigWarnings(loaded.config), ...eslAllowFromWarnings(loaded.config)]) logger.warn(warning); // serve connects no PBX
      for (const warning of policyWarnings(policy)) logger.warn({ policy: policy.source }, warning);
      ignoreHangUpSignal(logger);
      const chut = await startChut({ config: loaded.config, policy, logger, pbx, http: pbx ? undefined : true, redisOrigin: loaded.redisOrigin }).catch((err: unknown) => {
        throw listenError(err, listenersOf(loaded.config, pbx ? loaded.config.http.enabled : true, pbx)) ?? err;
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          chut.stop().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    },
  };
}

/**
 * Node's default for SIGHUP ends the process at once, and systemd counts that a clean exit it does not restart: a
 * `kill -HUP` out of reload habit would leave every call ringing unscreened. chut reloads nothing, so it says so and
 * goes on; from the start (the entry held the signal while modules loaded: hang-up.ts), since connecting can take
 * seconds. Run in a terminal, SIGHUP means the terminal closed: Node's default stays (chut ends, calls ring), rather
 * than writing to a terminal that is gone.
 */
function ignoreHangUpSignal(logger: Logger): void {
  if (process.stderr.isTTY) return;
  const ignored = () => {
    logger.warn({ signal: 'SIGHUP' }, 'SIGHUP ignored: chut does not reload its configuration or policy; restart it to apply changes (systemctl restart chut)');
  };
  process.on('SIGHUP', ignored);
  if (releaseHangUps(false) > 0) ignored();
}

/**
 * The service's last line of defence. A promise nobody awaited that fails is a bug, not a reason to stop screening
 * every other call: logged, the service goes on (Node 20 would exit). An exception nothing caught leaves chut in an
 * unknown state: logged, then exit 1 so the service manager restarts it; meanwhile the dialplan snippets ring
 * every call (fail-open), as when chut is not running.
 */
export function guardProcess(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: describeError(reason) }, 'unhandled promise rejection (a bug): chut goes on');
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: describeError(err) }, 'uncaught exception (a bug): chut exits; calls ring until it is restarted');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 200).unref();
  });
}

export const runCommandDef = runCommand('run');
export const serveCommandDef = runCommand('serve');
