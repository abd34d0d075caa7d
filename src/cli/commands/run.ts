import { startChut } from '../../app.js';
import { policyWarnings } from '../../rules/index.js';
import type { Command } from '../command.js';
import { GLOBAL_HELP, parse } from '../command.js';
import { cliLogger, loadCliSetup } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { releaseHangUps } from '../hang-up.js';
import type { Logger } from '../../logger.js';

/** A port chut must listen on (HTTP, the ESL outbound socket) that is taken or forbidden: say which and what to change. */
function listenError(err: unknown): CliError | null {
  const e = err as (NodeJS.ErrnoException & { address?: string; port?: number }) | null;
  if (e?.code !== 'EADDRINUSE' && e?.code !== 'EACCES') return null;
  const why = e.code === 'EADDRINUSE' ? 'the port is already in use (another chut, or another service?)' : 'permission denied';
  return new CliError(`cannot listen on ${e.address ?? '?'}:${e.port ?? '?'}: ${why}. ` +
    'Change http.port (CHUT_HTTP_PORT) or esl.listenPort (CHUT_ESL_LISTEN_PORT).', EXIT.unavailable);
}

function runCommand(name: 'run' | 'serve'): Command {
  const pbx = name === 'run';
  return {
    name,
    longRunning: true,
    summary: pbx ? 'screen calls: connect to the PBX(s) and serve the HTTP API' : 'serve the HTTP API, dashboard and metrics alone',
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
${GLOBAL_HELP}`,
    async run(argv) {
      const { values } = parse(argv, { policy: { type: 'string' }, redis: { type: 'string' } }, false);
      if (values.help) return (process.stdout.write(`${this.help}\n`), 0);
      const { loaded, policy } = loadCliSetup({ config: values.config, policy: values.policy, redis: values.redis });
      const logger = cliLogger(loaded.config.log.level);
      guardProcess(logger);
      for (const warning of policyWarnings(policy)) logger.warn({ policy: policy.source }, warning);
      ignoreHangUpSignal(logger);
      const chut = await startChut({ config: loaded.config, policy, logger, pbx, http: pbx ? undefined : true }).catch((err: unknown) => {
        throw listenError(err) ?? err;
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
    logger.error({ err: reason instanceof Error ? reason.stack ?? reason.message : String(reason) }, 'unhandled promise rejection (a bug): chut goes on');
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err: err.stack ?? err.message }, 'uncaught exception (a bug): chut exits; calls ring until it is restarted');
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 200).unref();
  });
}

export const runCommandDef = runCommand('run');
export const serveCommandDef = runCommand('serve');
