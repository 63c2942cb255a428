import type { Command } from 'commander';
import { startHub } from '../../hub/index.ts';
import { startOrderStatThreadsOrWarn } from '../../core/unify-threads/order-stat-threads.ts';
import { DEFAULT_MODEL_LIMITS } from '../../hub/operator/model-limits.ts';
import { registerResetPassword } from './hub-reset-password.ts';

interface HubFlags {
  dataDir?: string;
  port: string;
  host: string;
  insecure?: boolean;
  cert?: string;
  key?: string;
  publicUrl?: string;
  logLevel: string;
  quiet?: boolean;
  maxModelParams: string;
  maxModelBytes: string;
  newIdentity?: boolean;
}

/** A positive whole number from a flag, or a clear error naming the flag. */
function positiveFlag(value: string, flag: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} ${value} is not a positive whole number.`);
  return n;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** Registers `fedunify hub`: runs a hub until SIGINT/SIGTERM. */
export function registerHub(program: Command): void {
  const hubCommand = program
    .command('hub')
    .description('Run a hub: participants connect to it, operators create jobs and invites.')
    .option('--data-dir <dir>', 'folder for the database, certificate and checkpoints (required)')
    .option('--port <port>', 'port to listen on (0: any free port)', '8443')
    .option('--host <host>', 'interface to listen on (0.0.0.0 to accept other machines)', '127.0.0.1')
    .option('--insecure', 'plain HTTP without TLS (loopback hosts only)')
    .option('--cert <file>', 'PEM certificate instead of the generated self-signed one')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--public-url <url>', 'URL participants use when it differs from --host/--port (put in invites)')
    .option('--log-level <level>', `console log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .option('--quiet', 'print only the start-up lines')
    .option(
      '--max-model-params <n>',
      'largest model (trainable parameters) a job may have; larger jobs are refused when created',
      String(DEFAULT_MODEL_LIMITS.maxParams),
    )
    .option(
      '--max-model-bytes <n>',
      'largest model (bytes as float32) a job may have',
      String(DEFAULT_MODEL_LIMITS.maxBytes),
    )
    .option(
      '--new-identity',
      "generate a new certificate although this data folder's hub had one (its invites stop working)",
    )
    .action(async (flags: HubFlags) => {
      // Not a requiredOption: commander would demand it of `hub reset-password` too.
      if (!flags.dataDir)
        throw new Error(
          'Give the hub a --data-dir DIR (its database, certificate and operator.json live there).',
        );
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port ${flags.port} is not a port number (0-65535).`);
      const level = LOG_LEVELS.find((l) => l === flags.logLevel);
      if (!level)
        throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not ${flags.logLevel}.`);
      if (flags.insecure)
        console.error('WARNING: --insecure: no TLS. Use only for local tests; weights travel unencrypted.');
      // Median and trimmed mean of large rounds on every core; the hub works without them.
      const threads = await startOrderStatThreadsOrWarn();
      const hub = await startHub({
        dataDir: flags.dataDir,
        port,
        host: flags.host,
        insecure: flags.insecure,
        certPath: flags.cert,
        keyPath: flags.key,
        publicUrl: flags.publicUrl,
        logLevel: flags.quiet ? 'silent' : level,
        modelLimits: {
          maxParams: positiveFlag(flags.maxModelParams, '--max-model-params'),
          maxBytes: positiveFlag(flags.maxModelBytes, '--max-model-bytes'),
        },
        newIdentity: flags.newIdentity,
      });
      console.log(`FedUnify hub listening on ${hub.url}`);
      if (hub.fingerprint) console.log(`Certificate fingerprint (SHA-256): ${hub.fingerprint}`);
      if (hub.operator.password) {
        console.log(`Operator login: ${hub.operator.username} / ${hub.operator.password}`);
        console.log(`  (shown once; also saved to ${flags.dataDir}/operator.json, readable by you only)`);
      } else {
        console.log(`Operator login: ${hub.operator.username} (password in ${flags.dataDir}/operator.json)`);
      }
      console.log(`FEDUNIFY_HUB_READY ${JSON.stringify({ url: hub.url, fingerprint: hub.fingerprint })}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          console.log(`${signal}: closing the hub...`);
          resolve();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      await hub.close();
      await threads?.close();
      console.log('hub closed');
    });
  // Options after `reset-password` are its own (both take --data-dir).
  hubCommand.enablePositionalOptions();
  registerResetPassword(hubCommand);
}
