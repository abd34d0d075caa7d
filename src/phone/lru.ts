/**
 * A bounded least-recently-used cache.
 *
 * A `Map` keeps insertion order, so re-inserting a key on every hit moves it to the "newest" end and the first key
 * is always the least recently used one: O(1) get/set/evict without a linked list of our own.
 */
export class LruCache<K, V> {
  readonly maxSize: number;
  private readonly map = new Map<K, V>();

  constructor(maxSize: number) {
    if (!Number.isInteger(maxSize) || maxSize < 1) {
      throw new RangeError(`LruCache maxSize must be a positive integer, got ${String(maxSize)}`);
    }
    this.maxSize = maxSize;
  }

  get size(): number {
    return this.map.size;
  }

  /** Returns the value and marks the key as most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts or refreshes a key; evicts the least recently used entry when the cache is full. */
  set(key: K, value: V): void {
    if (this.map.has(key)) {
      this.map.delete(key);
    } else if (this.map.size >= this.maxSize) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** Keys from least to most recently used (for tests and diagnostics). */
  keys(): K[] {
    return [...this.map.keys()];
  }
}
