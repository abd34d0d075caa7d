/**
 * A simulated channel running dialplan applications, with the events a real Asterisk emits for them: each
 * application announced by a Newexten at the channel's location, Goto/Gosub/Return moving that location, channel
 * variables with their VarSet, and waits that end at once (HungUp) when the caller hangs up. What the shipped
 * snippet does with these steps is call.ts.
 */
import { channelEvent, newexten, varSet, type SimChannel } from './channel.js';
import type { AmiServer } from './server.js';
import type { Header } from './wire.js';

export class HungUp extends Error {}

export class DialplanChannel {
  protected hungUp = false;
  private onHangup: (() => void) | null = null;

  constructor(protected readonly server: AmiServer, readonly inbound: SimChannel) {}

  /** The caller hangs up (or the simulator stops the call): the application running now ends. */
  protected hangUpNow(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    const cb = this.onHangup;
    this.onHangup = null;
    cb?.();
  }

  protected emit(event: string, extra: Header[] = []): void {
    this.server.broadcast(channelEvent(event, this.inbound, extra));
  }

  protected exec(app: string, data: string): void {
    this.server.broadcast(newexten(this.inbound, app, data));
  }

  /** Goto / Gosub / Return: the next application runs at priority 1 of `context,exten` (or `priority`). */
  protected goto(context: string, exten: string, priority = 1): void {
    this.inbound.context = context;
    this.inbound.exten = exten;
    this.inbound.priority = priority - 1; // newexten() counts the application it announces
  }

  protected wait(ms: number): Promise<void> {
    if (this.hungUp) return Promise.reject(new HungUp());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.onHangup = null; resolve(); }, ms);
      this.onHangup = () => { clearTimeout(timer); reject(new HungUp()); };
    });
  }

  protected setLocal(name: string, value: string): void {
    this.inbound.vars.set(name, value);
    this.server.broadcast(varSet(this.inbound, name, value));
  }
}
