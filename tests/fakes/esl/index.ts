/**
 * The fake FreeSWITCH for protocol tests: the built-in simulator plus fault injection. Each hook applies to
 * the calls placed after it is set; `reset()` clears them.
 */
import { EslSimulator, type EslSimulatorOptions } from '../../../src/sim/esl/index.js';

export { EslSimulator, createEslSimulator, type EslOutcome, type EslFaults } from '../../../src/sim/esl/index.js';

export class FakeFreeSwitch extends EslSimulator {
  constructor(opts: EslSimulatorOptions = {}) {
    super(opts);
  }

  /** FreeSWITCH cuts the outbound connection after chut's `n`-th command (1 = right after `connect`). */
  cutConnectionAfter(n: number): this {
    this.faults.cutAfterCommands = n;
    return this;
  }

  /** The connect reply stops halfway and the connection closes. */
  truncateConnectReply(): this {
    this.faults.truncateConnectReply = true;
    return this;
  }

  /** Garbage bytes follow the connect reply. */
  sendGarbage(): this {
    this.faults.garbageAfterConnect = true;
    return this;
  }

  /** Every reply is late by `ms`. */
  slowReplies(ms: number): this {
    this.faults.replyDelayMs = ms;
    return this;
  }

  /** The next `n` commands after `connect` are answered `-ERR`. */
  errOnNext(n = 1): this {
    this.faults.errNext = n;
    return this;
  }

  reset(): this {
    Object.assign(this.faults, { replyDelayMs: 0, errNext: 0, cutAfterCommands: null, truncateConnectReply: false, garbageAfterConnect: false });
    return this;
  }
}
