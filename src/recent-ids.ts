/** Ids seen recently (calls, channels), remembered for a while: bounded, the oldest forgotten first. */
import { detach } from './detach.js';

export class RecentIds {
  private readonly ids = new Map<string, number>();
  constructor(private readonly max: number, private readonly ttlMs: number) {}
  add(id: string): void {
    this.ids.delete(id);
    this.ids.set(detach(id), Date.now());
    if (this.ids.size > this.max) this.ids.delete(this.ids.keys().next().value as string);
  }
  has(id: string): boolean {
    const at = this.ids.get(id);
    return at !== undefined && Date.now() - at < this.ttlMs;
  }
}
