/** A scripted CallControl for unit tests: answers askDigits from a script and records what was done. */
import { CallerHungUpError, type AskDigitsRequest, type CallControl, type PromptItem } from '../../src/screening/types.js';

/** What the caller does at each askDigits: type what was said, type fixed digits, stay silent, or hang up. */
export type ScriptStep = 'echo' | 'silent' | 'hangup' | { type: string };

export class FakeControl implements CallControl {
  readonly actions: string[] = [];
  readonly asked: AskDigitsRequest[] = [];
  private readonly aborter = new AbortController();
  failOn: Set<string> = new Set();
  /** Verbs during which the caller hangs up (e.g. `play:goodbye`). */
  hangUpOn: Set<string> = new Set();

  constructor(private readonly script: ScriptStep[] = []) {}

  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  hangUp(): void {
    this.aborter.abort();
  }

  private async verb(name: string): Promise<void> {
    if (this.aborter.signal.aborted) throw new CallerHungUpError();
    if (this.failOn.has(name)) throw new Error(`${name} failed (injected)`);
    if (this.hangUpOn.has(name)) {
      this.hangUp();
      throw new CallerHungUpError();
    }
    this.actions.push(name);
  }

  answer = () => this.verb('answer');
  ring = () => this.verb('ring');
  reject = async () => (await this.verb('reject'), 'reject' as const);
  toVoicemail = async (mailbox: string | null) => (await this.verb(`voicemail:${mailbox ?? ''}`), 'voicemail' as const);
  play = async (prompt: PromptItem[]) => this.verb(`play:${prompt.map((p) => ('sound' in p ? p.sound : `#${p.digits}`)).join(',')}`);

  async askDigits(req: AskDigitsRequest): Promise<string> {
    await this.verb('ask');
    this.asked.push(req);
    const step = this.script.shift() ?? 'silent';
    if (step === 'hangup') {
      this.hangUp();
      throw new CallerHungUpError();
    }
    if (step === 'silent') return '';
    if (step === 'echo') {
      const said = req.prompt.find((p): p is { digits: string } => 'digits' in p);
      return said?.digits ?? '';
    }
    return step.type;
  }
}
