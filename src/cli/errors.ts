/** Typed CLI errors with stable exit codes (sysexits.h), mapped in one place. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  dataError: 65,
  noInput: 66,
  unavailable: 69,
  cantCreate: 73,
  config: 78,
  /** Stopped by Ctrl-C (128 + SIGINT), as a shell reports it. */
  interrupted: 130,
} as const;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT.failure) {
    super(message);
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT.usage);
